// What every function's index.ts wires the same way on the Edge Runtime: its
// configuration parsed once from Deno.env (start-up fails naming what is
// missing), the service credentials, a database client per invocation from
// SCHEDULER_DB_URL (the transaction pooler) or else SUPABASE_DB_URL, the real clock and timers, EdgeRuntime.waitUntil and a
// logger named after the function. Only index.ts imports this module; a
// handler takes all of it as deps and never reads Deno.* itself.
import type { z } from "zod";
import { postgresDb } from "./db.ts";
import type { FunctionDeps } from "./deps.ts";
import { parseDatabaseUrl, parseEnv, parseServiceCredentials, type PlatformEnv, readDenoEnv } from "./env.ts";
import { createLogger } from "./logger.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

/** Parses the function's env with `schema` (PlatformEnv extended), then its credentials, and builds the deps every handler takes. */
export function edgeRuntime<S extends z.ZodType<PlatformEnv>>(name: string, schema: S): { env: z.output<S>; deps: FunctionDeps } {
  const source = readDenoEnv();
  const env = parseEnv(schema, source);
  const auth = parseServiceCredentials(source);
  return {
    env,
    deps: {
      db: postgresDb(parseDatabaseUrl(source)),
      fetch,
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      waitUntil: (p) => EdgeRuntime.waitUntil(p),
      logger: createLogger({ function: name }),
      auth,
    },
  };
}
