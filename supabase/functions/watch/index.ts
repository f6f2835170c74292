// Wires env and dependencies; the logic is in handler.ts.
import { z } from "zod";
import { PlatformEnv } from "../_shared/env.ts";
import { denoConnect } from "../_shared/deno-connect.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { parseAllowList, resolveAll } from "../_shared/ssrf.ts";
import { createHandler } from "./handler.ts";

const { env, deps } = edgeRuntime("watch", PlatformEnv.extend({
  HTTP_ALLOWED_HOSTS: z.string().optional(),
}));

Deno.serve(createHandler({
  ...deps,
  resolve: resolveAll,
  connect: denoConnect(),
  allowHosts: parseAllowList(env.HTTP_ALLOWED_HOSTS),
}));
