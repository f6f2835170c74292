// `stop`: stops every process `start` left running (services, their Deno
// children, the cluster). Data stays; `reset` wipes it.
import { getProfile } from "../lib/profile.mjs";
import { stopStack } from "../lib/stack.mjs";
import { profileArg } from "./context.mjs";

export default async function stop(args) {
  const profile = getProfile(profileArg(args));
  const { services, cluster } = await stopStack(profile);
  console.log(services || cluster ? `Stopped the ${profile.name} stack.` : `The ${profile.name} stack was not running.`);
  return 0;
}
