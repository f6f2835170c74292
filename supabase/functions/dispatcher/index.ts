// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseEnv, parseServiceCredentials, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { createLogger } from "../_shared/logger.ts";
import { createHandler, defaultConfig } from "./handler.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

const env = parseEnv(PlatformEnv.extend({
  SUPABASE_DB_URL: z.string().min(1),
  DISPATCHER_SECRET: z.string().min(16, "DISPATCHER_SECRET must be at least 16 characters"),
  DISPATCH_CLAIM_BATCH: z.coerce.number().int().min(1).max(5000).default(defaultConfig.claimBatch),
  DISPATCH_ACTION_BATCH: z.coerce.number().int().min(1).max(1000).default(defaultConfig.actionBatch),
  DISPATCH_LOOKAHEAD_SECONDS: z.coerce.number().int().min(0).max(120).default(defaultConfig.lookaheadSeconds),
  DISPATCH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(50_000).default(defaultConfig.maxRunsInFlight),
}), readDenoEnv());
const credentials = parseServiceCredentials(readDenoEnv());
// handler.ts still calls the action functions with the legacy key as a bearer
// token; until it sends serviceCallHeaders(credentials), it needs that key
if (!credentials.serviceRoleKey) {
  throw new Error("invalid function configuration: the dispatcher calls the action functions with SUPABASE_SERVICE_ROLE_KEY (the legacy service_role JWT), which is not set");
}

Deno.serve(createHandler({
  db: postgresDb(env.SUPABASE_DB_URL),
  fetch,
  now: () => new Date(),
  logger: createLogger({ function: "dispatcher" }),
  waitUntil: (p) => EdgeRuntime.waitUntil(p),
  auth: credentials,
  functionsUrl: `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1`,
  serviceRoleKey: credentials.serviceRoleKey,
  dispatcherSecret: env.DISPATCHER_SECRET,
  newId: () => crypto.randomUUID(),
  memory: () => {
    const { heapTotal, external } = Deno.memoryUsage();
    return heapTotal + external;
  },
  config: {
    claimBatch: env.DISPATCH_CLAIM_BATCH,
    actionBatch: env.DISPATCH_ACTION_BATCH,
    lookaheadSeconds: env.DISPATCH_LOOKAHEAD_SECONDS,
    maxRunsInFlight: env.DISPATCH_MAX_IN_FLIGHT,
  },
}));
