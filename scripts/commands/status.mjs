// `status`: like `supabase status`. Exits 1 when the stack is not fully up.
import { clusterRunning } from "../lib/cluster.mjs";
import { getProfile } from "../lib/profile.mjs";
import { readServicesPid, statusBlock } from "../lib/stack.mjs";
import { profileArg } from "./context.mjs";

export default async function status(args) {
  const profile = getProfile(profileArg(args));
  const db = clusterRunning(profile);
  const services = readServicesPid(profile);
  console.log(`database: ${db ? "running" : "stopped"}; services: ${services ? `running (pid ${services})` : "stopped"}\n`);
  console.log(statusBlock(profile));
  return db && services ? 0 : 1;
}
