// `npm start`: like `supabase start`, without Docker. Installs what is
// missing, brings the dev stack up, prints where everything is, and returns
// with the services left running. Safe to run again: a running stack is found
// and reported quickly.
import { ensureNpmDeps } from "./lib/npm-deps.mjs";
import { getProfile } from "./lib/profile.mjs";

// npm packages (jose, smol-toml, postgres…) are only there once installed: the
// modules that import them load after ensureNpmDeps
ensureNpmDeps();
const { prepareDatabase, startServices, statusBlock } = await import("./lib/stack.mjs");

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
const log = (msg) => console.log(msg);

try {
  const { created } = prepareDatabase(profile, { log });
  const { started } = await startServices(profile);
  log(started ? "Started the functions gateway and the pg_net worker." : "The stack was already running.");
  if (created) log("Seeded the demo user and tasks (supabase/seed.sql).");
  log(`\n${statusBlock(profile)}\n`);
  log("Stop with `npm run stop`; recreate the database with `npm run reset`.");
} catch (err) {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
}
