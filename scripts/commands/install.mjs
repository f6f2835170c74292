// `install [--name <part>=<name>]…`: adds the scheduler to the Supabase project
// in this folder (scripts/install/installer.mjs says what and how), then
// prints what remains to be done on the hosted project.
import { installSteps } from "../install/hosted-steps.mjs";
import { install, InstallError } from "../install/installer.mjs";
import { commandContext } from "./context.mjs";

/** `--name notify=alerts` or `--name=notify=alerts`, repeatable. */
export function parseNames(args) {
  const requested = {};
  for (let i = 0; i < args.length; i++) {
    let value;
    if (args[i] === "--name") value = args[++i];
    else if (args[i].startsWith("--name=")) value = args[i].slice("--name=".length);
    else throw new InstallError(`unknown option ${args[i]}: install takes --name <part>=<name>`);
    const m = /^([^=]+)=(.+)$/.exec(value ?? "");
    if (!m) throw new InstallError(`--name takes <part>=<name>, like --name notify=scheduler-alerts`);
    requested[m[1]] = m[2];
  }
  return requested;
}

export default async function installCommand(args) {
  const { project } = commandContext();
  try {
    const result = install(project.root, { requested: parseNames(args) });
    if (result.already) {
      console.log(`supabase-task-scheduler ${result.manifest.version} is installed here already; nothing was changed.`);
      return 0;
    }
    const { plan, manifest } = result;
    console.log(`Installed supabase-task-scheduler ${plan.version}:`);
    for (const note of plan.notes) console.log(`  - ${note}`);
    const fns = Object.entries(plan.names).filter(([k]) => !k.startsWith("_") && k !== "shared").map(([, n]) => n);
    console.log(`  - functions: ${fns.map((n) => `supabase/functions/${n}`).join(", ")}`);
    console.log(`  - shared code: ${Object.entries(plan.names).filter(([k]) => k.startsWith("_") || k === "shared").map(([k, n]) => (k === "shared" ? `${n}/` : `supabase/functions/${n}/`)).join(", ")}`);
    console.log(`  - ${plan.migrations.length} migrations: ${plan.migrations[0]?.path.split("/").pop()} … ${plan.migrations.at(-1)?.path.split("/").pop()}`);
    console.log(`  - supabase/config.toml: ${plan.config.added.functions.map((n) => `[functions.${n}]`).join(", ")}${plan.config.added.apiSchemas.length ? `, ${plan.config.added.apiSchemas.join(", ")} in [api] schemas` : ""}`);
    console.log("  - supabase/task-scheduler.json: what was added, for upgrade and uninstall (commit it)");
    console.log(`\n${installSteps(manifest)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    console.error(`install stopped, nothing was written: ${err.message}`);
    return 1;
  }
}
