// Copies of the fixture "existing app" (fixture-app/) to install into, and
// what the tests compare them by: every file's bytes.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const fixtureApp = path.join(import.meta.dirname, "fixture-app");
export const repoBin = path.resolve(import.meta.dirname, "../../bin/supabase-task-scheduler.mjs");

/** What the stack and npm add to a project that are not the project's files. */
const notAppFiles = (rel: string) => rel.startsWith("node_modules/") || rel.startsWith("supabase/.temp/") || rel === "package-lock.json";

/** Every file under `root` (relative POSIX path → SHA-256), leaving out node_modules, supabase/.temp and package-lock.json. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      if (notAppFiles(`${rel}${entry.isDirectory() ? "/" : ""}`)) continue;
      if (entry.isDirectory()) walk(full);
      else out[rel] = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  };
  walk(root);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A copy of the fixture app in a fresh folder of mode 0700 (as mkdtemp makes it, and as /root is). */
export function copyFixture(prefix = "existing-app-"): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const root = path.join(parent, "app");
  fs.cpSync(fixtureApp, root, { recursive: true });
  fs.chmodSync(root, 0o700);
  return root;
}

/** The environment a user's shell would have: none of the test stack's variables. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("SUPABASE_") || k.startsWith("E2E_") || ["TASK_SCHEDULER_PROJECT", "STACK_PROFILE", "DISPATCHER_SECRET", "STACK_PORT_BASE"].includes(k)) continue;
    if (k.startsWith("VITEST") || k === "NODE_ENV" || k === "TEST") continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface CliResult { status: number; stdout: string; stderr: string; output: string }

/** Runs `bin` (a path to the CLI, or `npx`-style via node) with `args` in `cwd`. */
export function cli(bin: string, args: string[], cwd: string, env: Record<string, string> = cleanEnv(), timeout = 300_000): CliResult {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024 });
  const stdout = res.stdout ?? "";
  const stderr = res.stderr ?? "";
  return { status: res.status ?? 1, stdout, stderr, output: `${stdout}${stderr}` };
}
