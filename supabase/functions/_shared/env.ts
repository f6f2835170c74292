// Env is parsed once, at start, and missing configuration fails loudly with
// the names of what is missing, instead of surfacing later as `undefined`.
import { z } from "zod";
import type { ServiceCredentials } from "./auth.ts";

const secretsHint = "Set these with `supabase secrets set` (locally: supabase/functions/.env)";

export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>, hint = secretsHint): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
    throw new Error(`invalid function configuration: ${problems}. ${hint}`);
  }
  return parsed.data;
}

/** What the platform sets for every function (hosted, and locally the functions gateway). */
export const PlatformEnv = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().min(1),
});
export type PlatformEnv = z.infer<typeof PlatformEnv>;

// Hosted sets SUPABASE_SECRET_KEYS to a JSON object of key name → key,
// {"default":"sb_secret_…"}. Messages never echo the text: it holds secrets.
const SecretKeysJson = z.string()
  .transform((text, ctx) => {
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: 'is not JSON; expected an object of key name → key, like {"default":"sb_secret_…"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.string().startsWith("sb_secret_", 'is not a secret key (expected "sb_secret_…")')));

const ServiceCredentialsEnv = z.object({
  SUPABASE_SECRET_KEYS: SecretKeysJson.optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20, "is too short to be the service_role JWT").optional(),
  SUPABASE_JWT_SECRET: z.string().min(1).optional(),
})
  .refine((e) => Object.keys(e.SUPABASE_SECRET_KEYS ?? {}).length > 0 || e.SUPABASE_SERVICE_ROLE_KEY !== undefined, {
    message: "no service credential: neither SUPABASE_SECRET_KEYS (secret keys, sb_secret_…) nor SUPABASE_SERVICE_ROLE_KEY (the legacy service_role JWT) is set",
  })
  .transform((e): ServiceCredentials => ({
    secretKeys: e.SUPABASE_SECRET_KEYS ?? {},
    serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    jwtSecret: e.SUPABASE_JWT_SECRET,
  }));

/** The keys a function accepts from callers and sends to other functions; throws, naming both variables, when there are none. */
export function parseServiceCredentials(source: Record<string, string | undefined>): ServiceCredentials {
  return parseEnv(
    ServiceCredentialsEnv,
    source,
    "Hosted Supabase gives every function both; locally the functions gateway does (scripts/gateway/gateway.mjs).",
  );
}

// SUPABASE_DB_URL is the direct connection. A project that wants fewer
// connections sets SCHEDULER_DB_URL to its transaction pooler (Supavisor,
// port 6543): every statement here stands alone (no prepared statements, no
// session state), which is what transaction pooling needs.
const DatabaseEnv = z.object({
  SCHEDULER_DB_URL: z.string().min(1).optional(),
  SUPABASE_DB_URL: z.string().min(1).optional(),
})
  .refine((e) => e.SCHEDULER_DB_URL !== undefined || e.SUPABASE_DB_URL !== undefined, {
    message: "no database: neither SCHEDULER_DB_URL (e.g. the transaction pooler, port 6543) nor SUPABASE_DB_URL is set",
  })
  .transform((e) => (e.SCHEDULER_DB_URL ?? e.SUPABASE_DB_URL) as string);

/** The functions' database URL: SCHEDULER_DB_URL when set (the transaction pooler), else SUPABASE_DB_URL. */
export function parseDatabaseUrl(source: Record<string, string | undefined>): string {
  return parseEnv(DatabaseEnv, source);
}

/** Deno.env as a plain object (called from index.ts only, never at import time of a handler). */
export function readDenoEnv(): Record<string, string> {
  return (globalThis as unknown as { Deno: { env: { toObject(): Record<string, string> } } }).Deno.env.toObject();
}
