// `uninstall [--force]`: removes what install added (the files it recorded in
// supabase/task-scheduler.json, its config.toml inserts) and nothing else;
// --force also removes installed files that were changed since.
import { uninstallSteps } from "../install/hosted-steps.mjs";
import { InstallError, uninstall } from "../install/installer.mjs";
import { commandContext } from "./context.mjs";

export default async function uninstallCommand(args) {
  const { project } = commandContext();
  const unknown = args.filter((a) => a !== "--force");
  if (unknown.length) {
    console.error(`unknown option ${unknown[0]}: uninstall takes --force`);
    return 1;
  }
  try {
    const result = uninstall(project.root, { force: args.includes("--force") });
    if (result.notInstalled) {
      console.log("supabase-task-scheduler is not installed here (no supabase/task-scheduler.json); nothing to remove.");
      return 0;
    }
    console.log(`Removed supabase-task-scheduler ${result.manifest.version}: ${result.removed} files and its supabase/config.toml inserts.`);
    if (result.left.length) {
      console.log("supabase/config.toml had changed around what install added; remove these by hand:");
      for (const text of result.left) console.log(text.split("\n").map((l) => `    ${l}`).join("\n"));
    }
    console.log(`\n${uninstallSteps(result.manifest)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    console.error(`uninstall stopped, nothing was removed: ${err.message}`);
    return 1;
  }
}
