// `npm run bench`: installs the npm dependencies first (a fresh clone has
// none yet), then loads the bench itself (bench/bench.mjs), whose modules
// import them.
import { ensureNpmDeps } from "../scripts/lib/npm-deps.mjs";

ensureNpmDeps();
await import("./bench.mjs");
