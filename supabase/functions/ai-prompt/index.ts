// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { denoConnect } from "../_shared/deno-connect.ts";
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { parseAllowList, resolveAll } from "../_shared/ssrf.ts";
import { createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("ai-prompt", PlatformEnv.extend({
  AI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  // MCP servers are reached through the http action's SSRF guard, with its allow-list
  HTTP_ALLOWED_HOSTS: z.string().optional(),
}));

Deno.serve(createHandler({
  ...deps,
  ai: { baseUrl: env.AI_BASE_URL, apiKey: env.AI_API_KEY, model: env.AI_MODEL },
  resolve: resolveAll,
  connect: denoConnect(),
  allowHosts: parseAllowList(env.HTTP_ALLOWED_HOSTS),
}));
