// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { serviceCallHeaders } from "../_shared/auth.ts";
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { actionFunctions } from "./action-functions.ts";
import { createHandler, defaultConfig } from "./handler.ts";

const { env, deps } = edgeRuntime("dispatcher", PlatformEnv.extend({
  DISPATCHER_SECRET: z.string().min(16, "DISPATCHER_SECRET must be at least 16 characters"),
  DISPATCH_CLAIM_BATCH: z.coerce.number().int().min(1).max(5000).default(defaultConfig.claimBatch),
  DISPATCH_ACTION_BATCH: z.coerce.number().int().min(1).max(1000).default(defaultConfig.actionBatch),
}));

Deno.serve(createHandler({
  ...deps,
  functionsUrl: `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1`,
  actionFunctions,
  serviceHeaders: serviceCallHeaders(deps.auth),
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
