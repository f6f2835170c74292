// Installs npm dependencies from the committed lockfile when node_modules is
// missing or older than the lockfile. Node built-ins only: it runs before any.
// Only a checkout of this repository has a lockfile; installed from npm, the
// package's dependencies came with it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { isCheckout, packageRoot } from "./project.mjs";

export function ensureNpmDeps(log = console.log) {
  if (!isCheckout()) return;
  const lock = path.join(packageRoot, "package-lock.json");
  const installed = path.join(packageRoot, "node_modules/.package-lock.json");
  const fresh = fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh && fs.existsSync(path.join(packageRoot, "node_modules/.bin/supabase"))) return;
  // `npm install`, not `npm ci`: it installs the locked versions all the same,
  // but npm 11 here records only this platform's optional binaries (deno,
  // supabase) in the lockfile, and `npm ci` refuses a lockfile without the
  // other platforms' entries
  log("Installing npm dependencies from package-lock.json…");
  const res = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: packageRoot, stdio: "inherit" });
  if (res.status !== 0) throw new Error("npm install failed; see the output above");
}
