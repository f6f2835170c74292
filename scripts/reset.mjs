// `npm run reset`: like `supabase db reset`: recreates the database from the
// platform bootstrap, the migrations and the seed, then restarts the services.
import { ensureNpmDeps } from "./lib/npm-deps.mjs";
import { getProfile } from "./lib/profile.mjs";
import { prepareDatabase, startServices, statusBlock, stopServices } from "./lib/stack.mjs";

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
try {
  ensureNpmDeps();
  await stopServices(profile);
  prepareDatabase(profile, { fresh: true });
  await startServices(profile);
  console.log(`Reset the ${profile.name} database from migrations and seed.\n\n${statusBlock(profile)}\n`);
} catch (err) {
  console.error(`npm run reset failed: ${err.message}`);
  process.exit(1);
}
