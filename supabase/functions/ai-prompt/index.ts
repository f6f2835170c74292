// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("ai-prompt", PlatformEnv.extend({
  AI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().min(1).default("gpt-4o-mini"),
}));

Deno.serve(createHandler({
  ...deps,
  ai: { baseUrl: env.AI_BASE_URL, apiKey: env.AI_API_KEY, model: env.AI_MODEL },
}));
