// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseDatabaseUrl, parseEnv, parseServiceCredentials, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { createLogger } from "../_shared/logger.ts";
import { createHandler } from "./handler.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

const env = parseEnv(PlatformEnv.extend({
  AI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().min(1).default("gpt-4o-mini"),
}), readDenoEnv());
const credentials = parseServiceCredentials(readDenoEnv());

Deno.serve(createHandler({
  db: postgresDb(parseDatabaseUrl(readDenoEnv())),
  fetch,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  waitUntil: (p) => EdgeRuntime.waitUntil(p),
  logger: createLogger({ function: "ai-prompt" }),
  auth: credentials,
  ai: { baseUrl: env.AI_BASE_URL, apiKey: env.AI_API_KEY, model: env.AI_MODEL },
}));
