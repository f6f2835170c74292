// The Supabase CLI's well-known local secrets. They are public on purpose:
// local stacks only. Hosted projects have their own keys.
import { signJwt } from "./jwt.mjs";

export const jwtSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
const exp = 1983812996;
export const anonKey = signJwt({ iss: "supabase-demo", role: "anon", exp }, jwtSecret);
export const serviceRoleKey = signJwt({ iss: "supabase-demo", role: "service_role", exp }, jwtSecret);
// The dispatcher's own narrow secret (pg_cron -> pg_net -> dispatcher). Not a JWT,
// so it grants nothing anywhere else. Hosted projects generate a random one.
export const dispatcherSecret = "local-dispatcher-secret-change-me-on-hosted";
