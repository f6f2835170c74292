// `npm run stop`: stops every process `npm start` left running (services,
// their Deno children, the cluster). Data stays; `npm run reset` wipes it.
import { getProfile } from "./lib/profile.mjs";
import { stopStack } from "./lib/stack.mjs";

const profile = getProfile(process.argv[2] ?? process.env.STACK_PROFILE ?? "dev");
const { services, cluster } = await stopStack(profile);
console.log(services || cluster ? `Stopped the ${profile.name} stack.` : `The ${profile.name} stack was not running.`);
