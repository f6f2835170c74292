// Where things are: this package (its scripts, functions, migrations) and the
// Supabase project the commands run over. In this repository the two are the
// same folder; installed from npm, the package sits in the project's
// node_modules and the project is the folder the command was run in.
// Node built-ins only: it loads before the npm dependencies are installed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** This package's name and version, from its package.json. */
export function packageInfo() {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));
  return { name: pkg.name, version: pkg.version };
}

/** True in a checkout of this repository (it has its lockfile), false once installed from a tarball. */
export function isCheckout() {
  return fs.existsSync(path.join(packageRoot, "package-lock.json"));
}

/**
 * The Supabase project at or above `from`: the nearest folder that holds
 * supabase/config.toml, as the supabase CLI looks for it. Null when there is none.
 */
export function findProjectRoot(from = process.cwd()) {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "supabase", "config.toml"))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * The project the stack runs over: TASK_SCHEDULER_PROJECT (the bin sets it
 * from the folder it is run in, and the services process inherits it), else
 * this repository.
 */
export function projectRoot() {
  return path.resolve(process.env.TASK_SCHEDULER_PROJECT || packageRoot);
}

/** The project's folders and files the stack reads. */
export function projectPaths(root = projectRoot()) {
  const supabaseDir = path.join(root, "supabase");
  return {
    root,
    supabaseDir,
    configToml: path.join(supabaseDir, "config.toml"),
    functionsDir: path.join(supabaseDir, "functions"),
    migrationsDir: path.join(supabaseDir, "migrations"),
    testsDir: path.join(supabaseDir, "tests"),
    envFile: path.join(supabaseDir, "functions", ".env"),
    /** True when the project is this repository itself. */
    isPackage: path.resolve(root) === packageRoot,
  };
}

/**
 * An npm binary (deno, supabase, vitest…): in this repository's
 * node_modules/.bin, or, installed from npm, in the project's, where npm
 * hoists the package's dependencies.
 */
export function binPath(name) {
  for (let dir = packageRoot; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", ".bin", name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`${name} is not installed: run \`npm install\` in ${packageRoot}${isCheckout() ? "" : " or in your project"}`);
}
