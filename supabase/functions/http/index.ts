// Wires env and dependencies; the logic is in handler.ts.
import { lookup } from "node:dns/promises";
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseDatabaseUrl, parseEnv, parseServiceCredentials, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { createLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler } from "./handler.ts";

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void };

const env = parseEnv(PlatformEnv.extend({
  HTTP_ALLOWED_HOSTS: z.string().optional(),
}), readDenoEnv());
const credentials = parseServiceCredentials(readDenoEnv());

Deno.serve(createHandler({
  db: postgresDb(parseDatabaseUrl(readDenoEnv())),
  fetch,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  waitUntil: (p) => EdgeRuntime.waitUntil(p),
  resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
  logger: createLogger({ function: "http" }),
  auth: credentials,
  allowHosts: parseAllowList(env.HTTP_ALLOWED_HOSTS),
}));
