// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseDatabaseUrl, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { denoConnect } from "../_shared/deno-connect.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { parseAllowList, resolveAll } from "../_shared/ssrf.ts";
import { createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("watch", PlatformEnv.extend({
  HTTP_ALLOWED_HOSTS: z.string().optional(),
  // a poll of a source of type sql holds a connection for its transaction
  // (the call and record_watcher_poll commit together); the others share the rest
  WATCH_DB_CONNECTIONS: z.coerce.number().int().min(1).max(33).default(3),
}));

Deno.serve(createHandler({
  ...deps,
  db: postgresDb(parseDatabaseUrl(readDenoEnv()), env.WATCH_DB_CONNECTIONS),
  resolve: resolveAll,
  connect: denoConnect(),
  allowHosts: parseAllowList(env.HTTP_ALLOWED_HOSTS),
}));
