// What every function's handler takes from its platform, as deps
// (createHandler(deps)): on the Edge Runtime index.ts builds them
// (_shared/runtime.ts); tests build their own, with manual clocks and real
// loopback servers.
import type { ServiceCredentials } from "./auth.ts";
import type { DbFactory } from "./db.ts";
import type { Logger } from "./logger.ts";

export interface FunctionDeps {
  /** A database client per invocation, closed when its work is done. */
  db: DbFactory;
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** The keys a caller must present (requireServiceCaller), and this function presents to others. */
  auth: ServiceCredentials;
  /** Keeps the worker alive until the work settles: `(p) => EdgeRuntime.waitUntil(p)`. */
  waitUntil: (work: Promise<unknown>) => void;
}
