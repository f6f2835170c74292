// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { serviceCallHeaders } from "../_shared/auth.ts";
import { postgresDb } from "../_shared/db.ts";
import { parseDatabaseUrl, parseEnv, parseServiceCredentials, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { createLogger } from "../_shared/logger.ts";
import { createHandler, defaultConfig } from "./handler.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

const env = parseEnv(PlatformEnv.extend({
  DISPATCHER_SECRET: z.string().min(16, "DISPATCHER_SECRET must be at least 16 characters"),
  DISPATCH_CLAIM_BATCH: z.coerce.number().int().min(1).max(5000).default(defaultConfig.claimBatch),
  DISPATCH_ACTION_BATCH: z.coerce.number().int().min(1).max(1000).default(defaultConfig.actionBatch),
}), readDenoEnv());
const credentials = parseServiceCredentials(readDenoEnv());

Deno.serve(createHandler({
  db: postgresDb(parseDatabaseUrl(readDenoEnv())),
  fetch,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  logger: createLogger({ function: "dispatcher" }),
  waitUntil: (p) => EdgeRuntime.waitUntil(p),
  auth: credentials,
  functionsUrl: `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1`,
  serviceHeaders: serviceCallHeaders(credentials),
  dispatcherSecret: env.DISPATCHER_SECRET,
  newId: () => crypto.randomUUID(),
  memory: () => {
    const { heapTotal, external } = Deno.memoryUsage();
    return heapTotal + external;
  },
  config: {
    claimBatch: env.DISPATCH_CLAIM_BATCH,
    actionBatch: env.DISPATCH_ACTION_BATCH,
  },
}));
