// `npm run reset`: like `supabase db reset`: recreates the database from the
// platform bootstrap, the migrations and the seed, then restarts the services.
import { ensureNpmDeps } from "./lib/npm-deps.mjs";
import { getProfile } from "./lib/profile.mjs";

// npm packages (jose, smol-toml, postgres…) are only there once installed: the
// modules that import them load after ensureNpmDeps
ensureNpmDeps();
const { prepareDatabase, startServices, statusBlock, stopServices } = await import("./lib/stack.mjs");

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
try {
  await stopServices(profile);
  prepareDatabase(profile, { fresh: true });
  await startServices(profile);
  console.log(`Reset the ${profile.name} database from migrations and seed.\n\n${statusBlock(profile)}\n`);
} catch (err) {
  console.error(`npm run reset failed: ${err.message}`);
  process.exit(1);
}
