// Wires env and dependencies; the logic is in handler.ts. No service
// credential is needed to call it: the signature is the credential.
import { PlatformEnv } from "../_shared/env.ts";
import { edgeRuntime } from "../_shared/runtime.ts";
import { createHandler } from "./handler.ts";

const { deps } = edgeRuntime("inbound-events", PlatformEnv);

Deno.serve(createHandler(deps));
