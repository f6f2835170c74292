// `npm run status`: like `supabase status`.
import { clusterRunning } from "./lib/cluster.mjs";
import { getProfile } from "./lib/profile.mjs";
import { ensureNpmDeps } from "./lib/npm-deps.mjs";

// the stack's modules import npm packages, which a fresh clone has yet to install
ensureNpmDeps();
const { readServicesPid, statusBlock } = await import("./lib/stack.mjs");

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
const db = clusterRunning(profile);
const services = readServicesPid(profile);
console.log(`database: ${db ? "running" : "stopped"}; services: ${services ? `running (pid ${services})` : "stopped"}\n`);
console.log(statusBlock(profile));
process.exit(db && services ? 0 : 1);
