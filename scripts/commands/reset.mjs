// `reset`: like `supabase db reset`: recreates the database from the platform
// bootstrap, the project's migrations and its seed, then restarts the services.
import { getProfile } from "../lib/profile.mjs";
import { prepareDatabase, startServices, statusBlock, stopServices } from "../lib/stack.mjs";
import { commandContext, profileArg } from "./context.mjs";

export default async function reset(args) {
  const { name } = commandContext();
  const profile = getProfile(profileArg(args));
  try {
    await stopServices(profile);
    prepareDatabase(profile, { fresh: true });
    await startServices(profile);
    console.log(`Reset the ${profile.name} database from migrations and seed.\n\n${statusBlock(profile)}\n`);
    return 0;
  } catch (err) {
    console.error(`${name("reset")} failed: ${err.message}`);
    return 1;
  }
}
