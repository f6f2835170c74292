#!/usr/bin/env node
// supabase-task-scheduler: adds the scheduler to the Supabase project in this
// folder, and runs the Docker-free local stack over that project. In this
// repository `npm start`, `npm test`… are these same commands over it.
import { ensureNpmDeps } from "../scripts/lib/npm-deps.mjs";
import { findProjectRoot, packageInfo } from "../scripts/lib/project.mjs";

const usage = `supabase-task-scheduler ${packageInfo().version}

Run from a Supabase project's folder (the one that holds supabase/):

  install [--name <part>=<name>]…  add the scheduler: its migrations (after yours), Edge Functions,
                                   the shared code they import, and its config.toml sections.
                                   Never changes a file of yours; a name you use already
                                   (supabase/functions/notify, shared/…) is taken as scheduler-<name>,
                                   or as the name you give, e.g. --name notify=scheduler-alerts
  upgrade                          bring an installed copy to this version
  uninstall [--force]              remove what install added

  start [profile]                  the local stack without Docker: PostgreSQL 15 + pg_cron, your
                                   migrations and seed, every function behind one gateway
  stop | status | reset [profile]  stop it (data kept), print where it is, recreate the database
  test [suite…]                    deno, advisors, pgtap: on a fresh test stack; the last line
                                   is "N passed, N failed"
`;

const commands = new Set(["install", "upgrade", "uninstall", "start", "stop", "status", "reset", "test"]);
const [command, ...args] = process.argv.slice(2);

if (!command || command === "help" || command === "--help" || command === "-h") {
  console.log(usage);
  process.exit(command ? 0 : 2);
}
if (command === "--version" || command === "-v") {
  console.log(packageInfo().version);
  process.exit(0);
}
if (!commands.has(command)) {
  console.error(`unknown command ${command}\n\n${usage}`);
  process.exit(2);
}
const root = findProjectRoot(process.cwd());
if (!root) {
  console.error(`no Supabase project here: no supabase/config.toml in ${process.cwd()} or above it. Run this from your project's folder (\`npx supabase init\` creates one).`);
  process.exit(2);
}
// the project every module below (and the services process) works on
process.env.TASK_SCHEDULER_PROJECT = root;
// npm packages (jose, smol-toml, postgres…) are only there once installed: the
// modules that import them load after ensureNpmDeps
ensureNpmDeps();
const { default: run } = await import(`../scripts/commands/${command}.mjs`);
try {
  process.exit(await run(args));
} catch (err) {
  console.error(`supabase-task-scheduler ${command} failed: ${err.message}`);
  process.exit(1);
}
