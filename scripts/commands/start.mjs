// `start`: like `supabase start`, without Docker. Installs what is missing,
// brings the project's dev stack up (its migrations, seed and functions: the
// scheduler's and the app's own), prints where everything is, and returns
// with the services left running. Safe to run again: a running stack is found
// and reported quickly.
import path from "node:path";
import { getProfile } from "../lib/profile.mjs";
import { seedFiles } from "../lib/database.mjs";
import { prepareDatabase, startServices, statusBlock } from "../lib/stack.mjs";
import { commandContext, profileArg } from "./context.mjs";

export default async function start(args) {
  const { project, name } = commandContext();
  const log = (msg) => console.log(msg);
  try {
    const profile = getProfile(profileArg(args));
    const { created } = prepareDatabase(profile, { log });
    const { started } = await startServices(profile);
    log(started ? "Started the functions gateway and the pg_net worker." : "The stack was already running.");
    const seeds = seedFiles(project.root).map((f) => path.relative(project.root, f));
    if (created && seeds.length) log(`Seeded the database (${seeds.join(", ")}).`);
    log(`\n${statusBlock(profile)}\n`);
    log(`Stop with \`${name("stop")}\`; recreate the database with \`${name("reset")}\`.`);
    return 0;
  } catch (err) {
    console.error(`${name("start")} failed: ${err.message}`);
    return 1;
  }
}
