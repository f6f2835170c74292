// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { postgresDb } from "../_shared/db.ts";
import { parseDatabaseUrl, PlatformEnv, readDenoEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("sql", PlatformEnv.extend({
  SQL_ACTION_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
}));

Deno.serve(createHandler({
  ...deps,
  // each call holds a connection for its transaction; one more for the gate and the recorder
  db: postgresDb(parseDatabaseUrl(readDenoEnv()), env.SQL_ACTION_CONCURRENCY + 1),
  concurrency: env.SQL_ACTION_CONCURRENCY,
}));
