// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { anonCallHeaders, createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("edge-function", PlatformEnv.extend({
  SUPABASE_ANON_KEY: z.string().optional(),
  SUPABASE_PUBLISHABLE_KEYS: z.string().optional(),
}));

Deno.serve(createHandler({
  ...deps,
  functionsUrl: `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1`,
  callHeaders: anonCallHeaders(env.SUPABASE_ANON_KEY, env.SUPABASE_PUBLISHABLE_KEYS),
}));
