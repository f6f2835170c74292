// The local stack's keys. They are public on purpose: local stacks only.
// Hosted projects have their own keys.
import { signJwt } from "./jwt.mjs";

// The legacy keys: the Supabase CLI's well-known local JWT secret and the
// anon / service_role JWTs signed with it.
export const jwtSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
const exp = 1983812996;
export const anonKey = await signJwt({ iss: "supabase-demo", role: "anon", exp }, jwtSecret);
export const serviceRoleKey = await signJwt({ iss: "supabase-demo", role: "service_role", exp }, jwtSecret);

// The new keys, in the hosted shape (a prefix, then an opaque string; not
// JWTs). The values say they are local so that one pasted into a hosted
// project, or found in a log, is recognised at once.
export const secretKey = "sb_secret_LOCAL-ONLY-secret-key0_dontShip";
export const publishableKey = "sb_publishable_LOCAL-ONLY-public-key0_dontShip";
/** As hosted Edge Functions get them: JSON objects of key name → key. */
export const secretKeys = { default: secretKey };
export const publishableKeys = { default: publishableKey };

// The dispatcher's own narrow secret (pg_cron -> pg_net -> dispatcher). Not a JWT,
// so it grants nothing anywhere else. Hosted projects generate a random one.
export const dispatcherSecret = "local-dispatcher-secret-change-me-on-hosted";
