// `npm run stop`: stops every process `npm start` left running (services,
// their Deno children, the cluster). Data stays; `npm run reset` wipes it.
import { getProfile } from "./lib/profile.mjs";
import { ensureNpmDeps } from "./lib/npm-deps.mjs";

// the stack's modules import npm packages, which a fresh clone has yet to install
ensureNpmDeps();
const { stopStack } = await import("./lib/stack.mjs");

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
const { services, cluster } = await stopStack(profile);
console.log(services || cluster ? `Stopped the ${profile.name} stack.` : `The ${profile.name} stack was not running.`);
