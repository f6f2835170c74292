// What every command needs to know about where it runs: the project (from
// the bin, TASK_SCHEDULER_PROJECT) and how to name the other commands to the
// user: `npm start` in this repository, `npx supabase-task-scheduler start`
// in a project it is installed into.
import { projectPaths } from "../lib/project.mjs";

export function commandContext() {
  const project = projectPaths();
  const npmScript = { start: "npm start", test: "npm test" };
  const name = (sub) => project.isPackage ? (npmScript[sub] ?? `npm run ${sub}`) : `npx supabase-task-scheduler ${sub}`;
  return { project, name };
}

/** The profile argument of start, stop, status and reset: `dev` unless given (or STACK_PROFILE). */
export function profileArg(args) {
  return args.find((a) => !a.startsWith("-")) ?? process.env.STACK_PROFILE ?? "dev";
}
