// Installs npm dependencies from the committed lockfile when node_modules is
// missing or older than the lockfile. Node built-ins only: it runs before any.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./profile.mjs";

export function ensureNpmDeps(log = console.log) {
  const lock = path.join(repoRoot, "package-lock.json");
  const installed = path.join(repoRoot, "node_modules/.package-lock.json");
  const fresh = fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh && fs.existsSync(path.join(repoRoot, "node_modules/.bin/supabase"))) return;
  // `npm install`, not `npm ci`: it installs the locked versions all the same,
  // but npm 11 here records only this platform's optional binaries (deno,
  // supabase) in the lockfile, and `npm ci` refuses a lockfile without the
  // other platforms' entries
  log("Installing npm dependencies from package-lock.json…");
  const res = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: repoRoot, stdio: "inherit" });
  if (res.status !== 0) throw new Error("npm install failed; see the output above");
}
