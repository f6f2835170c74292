// Every function runs with verify_jwt = false and checks its caller here: the
// new API keys are not JWTs, and verify_jwt would let the anon key (a valid
// JWT) through anyway. Action functions accept only a service credential;
// the dispatcher also accepts its own narrow secret.
//
// Service-to-service calls carry a secret key (sb_secret_…) in the apikey
// header, as Supabase's "Securing Edge Functions" guide has them. While a
// project still has the legacy service_role JWT, that is accepted too: as
// `Authorization: Bearer <jwt>` or in apikey; another service_role JWT of the
// project only when the JWT secret is known and its signature verifies.
import { decodeJwt, jwtVerify } from "jose";
import { HttpError } from "./http.ts";

export interface ServiceCredentials {
  /** SUPABASE_SECRET_KEYS: key name → sb_secret_… key. */
  secretKeys: Readonly<Record<string, string>>;
  /** SUPABASE_SERVICE_ROLE_KEY, the legacy service_role JWT, while the project has one. */
  serviceRoleKey?: string;
  /** SUPABASE_JWT_SECRET: when set, other service_role JWTs than serviceRoleKey are accepted with a valid HS256 signature. */
  jwtSecret?: string;
}

export interface CallerCheck extends ServiceCredentials {
  /** The dispatcher's own secret (pg_cron → pg_net → dispatcher), as a bearer token. */
  dispatcherSecret?: string;
  nowSeconds: number;
}

function bearer(req: Request): string | null {
  return /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1]?.trim() || null;
}

function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

/** HS256 verification (jose): the claims of a token signed with `secret` and not expired at `nowSeconds`, or null. */
export async function verifyHs256(token: string, secret: string, nowSeconds: number): Promise<Record<string, unknown> | null> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"],
      currentDate: new Date(nowSeconds * 1000),
    });
    return payload;
  } catch {
    return null;
  }
}

/** The role a JWT claims, unverified: only ever used to word a refusal. */
function claimedRole(token: string): string | null {
  try {
    const role = decodeJwt(token).role;
    return typeof role === "string" ? role : null;
  } catch {
    return null;
  }
}

function isSecretKey(value: string, check: CallerCheck): boolean {
  let match = false;
  for (const key of Object.values(check.secretKeys)) match = timingSafeEqual(value, key) || match;
  return match;
}

// The configured key itself is trusted as the platform handed it over; any
// other service_role JWT only with a valid signature, so only where the JWT
// secret is known.
async function isLegacyServiceJwt(token: string, check: CallerCheck): Promise<boolean> {
  if (!check.serviceRoleKey) return false;
  if (timingSafeEqual(token, check.serviceRoleKey)) return true;
  return check.jwtSecret !== undefined && (await verifyHs256(token, check.jwtSecret, check.nowSeconds))?.role === "service_role";
}

function refusal(apikey: string | null, token: string | null, check: CallerCheck): string {
  const expected = `expected one of the project's secret keys (sb_secret_…) in the apikey header${
    check.serviceRoleKey ? ", or the legacy service_role key as `Authorization: Bearer <key>` or in apikey" : ""
  }`;
  const presented = [apikey, token].filter((v): v is string => v !== null);
  if (presented.length === 0) return `no credentials: ${expected}`;
  if (presented.some((v) => v.startsWith("sb_publishable_"))) return `a publishable key (sb_publishable_…) is for clients and cannot call this function: ${expected}`;
  if (token?.startsWith("sb_secret_")) return `a secret key is not a JWT and does not go in Authorization: Bearer: ${expected}`;
  const roles = presented.map(claimedRole);
  if (roles.includes("anon")) return `the anon key is for clients and cannot call this function: ${expected}`;
  if (roles.includes("authenticated")) return `a user's JWT cannot call this function: ${expected}`;
  if (roles.includes("service_role")) return `this service_role JWT is not accepted (another project, expired, or no legacy key configured): ${expected}`;
  return `unrecognised credentials: ${expected}`;
}

/** Throws 401, saying what is expected, unless the caller presents a service credential (or the dispatcher secret, where allowed). */
export async function requireServiceCaller(req: Request, check: CallerCheck): Promise<"service_role" | "dispatcher"> {
  const apikey = req.headers.get("apikey")?.trim() || null;
  const token = bearer(req);
  if (token && check.dispatcherSecret && timingSafeEqual(token, check.dispatcherSecret)) return "dispatcher";
  if (apikey && isSecretKey(apikey, check)) return "service_role";
  if (apikey && check.serviceRoleKey && timingSafeEqual(apikey, check.serviceRoleKey)) return "service_role";
  if (token && await isLegacyServiceJwt(token, check)) return "service_role";
  throw new HttpError(401, "unauthorized", refusal(apikey, token, check));
}

/**
 * Headers for a call to another of the project's functions: a secret key in
 * apikey, or, on a project that has only the legacy key, that key in apikey
 * and as a bearer token (which is where older receivers look for it).
 */
export function serviceCallHeaders(credentials: ServiceCredentials): Record<string, string> {
  const secret = credentials.secretKeys.default ?? Object.values(credentials.secretKeys)[0];
  if (secret) return { apikey: secret };
  if (credentials.serviceRoleKey) return { apikey: credentials.serviceRoleKey, authorization: `Bearer ${credentials.serviceRoleKey}` };
  throw new Error("no service credential to call another function with: neither SUPABASE_SECRET_KEYS nor SUPABASE_SERVICE_ROLE_KEY is set");
}
