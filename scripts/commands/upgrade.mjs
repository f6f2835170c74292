// `upgrade`: brings the copy install added to this version's migrations and
// functions, under the names it was installed with.
import { installSteps } from "../install/hosted-steps.mjs";
import { InstallError, upgrade } from "../install/installer.mjs";
import { commandContext } from "./context.mjs";

export default async function upgradeCommand(args) {
  const { project } = commandContext();
  if (args.length) {
    console.error(`upgrade takes no options (got ${args.join(" ")})`);
    return 1;
  }
  try {
    const result = upgrade(project.root);
    if (result.upToDate) {
      console.log(`supabase-task-scheduler ${result.manifest.version} is installed and up to date; nothing was changed.`);
      return 0;
    }
    const { plan } = result;
    console.log(`Upgraded supabase-task-scheduler ${result.from} → ${plan.version}:`);
    console.log(`  - ${result.changed.length} files written, ${result.removed.length} removed`);
    console.log(`  - ${plan.migrations.length} new migrations${plan.migrations.length ? `: ${plan.migrations.map((m) => m.path.split("/").pop()).join(", ")}` : ""}`);
    console.log(`\n${installSteps(result.manifest, { upgrade: true })}`);
    return 0;
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    console.error(`upgrade stopped, nothing was written: ${err.message}`);
    return 1;
  }
}
