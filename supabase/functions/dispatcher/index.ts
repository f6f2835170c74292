// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseEnv, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { createLogger } from "../_shared/logger.ts";
import { createHandler, defaultConfig } from "./handler.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

const env = parseEnv(PlatformEnv.extend({
  SUPABASE_DB_URL: z.string().min(1),
  SUPABASE_JWT_SECRET: z.string().optional(),
  DISPATCHER_SECRET: z.string().min(16, "DISPATCHER_SECRET must be at least 16 characters"),
  DISPATCH_CLAIM_BATCH: z.coerce.number().int().min(1).max(5000).default(defaultConfig.claimBatch),
  DISPATCH_ACTION_BATCH: z.coerce.number().int().min(1).max(1000).default(defaultConfig.actionBatch),
}), readDenoEnv());

Deno.serve(createHandler({
  db: postgresDb(env.SUPABASE_DB_URL),
  fetch,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  logger: createLogger({ function: "dispatcher" }),
  waitUntil: (p) => EdgeRuntime.waitUntil(p),
  auth: { serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY, jwtSecret: env.SUPABASE_JWT_SECRET },
  functionsUrl: `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1`,
  serviceHeaders: { authorization: `Bearer ${env.SUPABASE_SERVICE_ROLE_KEY}` },
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
