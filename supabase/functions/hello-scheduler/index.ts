// Wires env and dependencies; the logic is in handler.ts.
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { createHandler } from "./handler.ts";

const { deps } = edgeRuntime("hello-scheduler", PlatformEnv);

Deno.serve(createHandler(deps));
