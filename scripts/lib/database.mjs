// Puts a database into the state a hosted Supabase project would be in:
// the platform bootstrap (local only), then the project's migrations through
// the real supabase CLI, then the project's seed files (config.toml
// [db.seed], supabase/seed.sql by default).
import fs from "node:fs";
import path from "node:path";
import { parseToml } from "../gateway/toml.mjs";
import { installExtensionFiles, psql, run } from "./cluster.mjs";
import { binPath, packageRoot, projectPaths } from "./project.mjs";

const bootstrapDir = path.join(packageRoot, "scripts/sql/bootstrap");

/** Stand-in extensions shipped as plain SQL extension files (see their headers). */
const standInExtensionDirs = ["scripts/pg-net", "scripts/vault"].map((d) => path.join(packageRoot, d));

export function installStandInExtensions() {
  const files = standInExtensionDirs.flatMap((dir) =>
    fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.endsWith(".control") || /--.*\.sql$/.test(f)).map((f) => path.join(dir, f))
      : [],
  );
  installExtensionFiles(files);
}

/** Roles are cluster-wide; everything else is per database. */
export function bootstrapDatabase(profile, db = "postgres") {
  for (const file of fs.readdirSync(bootstrapDir).filter((f) => f.endsWith(".sql")).sort()) {
    psql(profile, { file: path.join(bootstrapDir, file), db });
  }
  psql(profile, {
    db,
    sql: [
      "create extension if not exists pg_net with schema extensions",
      "create schema if not exists vault",
      "create extension if not exists supabase_vault with schema vault",
    ].join(";\n"),
  });
}

/** `supabase db push` against the local database, exactly as against a hosted one. */
export function applyMigrations(profile, dbUrl = profile.dbUrl) {
  const reset = projectPaths(profile.projectRoot).isPackage ? "npm run reset" : "npx supabase-task-scheduler reset";
  try {
    run(binPath("supabase"), [
      "db", "push", `--remote=${dbUrl}`, "--include-all", "--skip-vault", "--yes",
    ], { quiet: true, cwd: profile.projectRoot });
  } catch (err) {
    if (!/Remote migration versions not found in local migrations directory/.test(err.message)) throw err;
    // a local database migrated by another checkout's history (before the
    // first release the migrations were regenerated from supabase/schemas/),
    // or by migrations the project has since removed (uninstall)
    throw new Error(`The ${profile.name} database holds migrations that supabase/migrations/ no longer has.\n` +
      `\`${reset}\` recreates it from the project's migrations (its data is lost).\n\n${err.message}`);
  }
}

/**
 * The seed files `supabase db reset` would load: config.toml's
 * [db.seed] sql_paths (relative to supabase/, `*` allowed in the file name),
 * in order, each glob sorted; none when [db.seed] enabled = false.
 */
export function seedFiles(root) {
  const { configToml, supabaseDir } = projectPaths(root);
  const config = fs.existsSync(configToml) ? parseToml(fs.readFileSync(configToml, "utf8"), configToml) : {};
  const seed = config.db?.seed ?? {};
  if (seed.enabled === false) return [];
  const files = [];
  for (const entry of seed.sql_paths ?? ["./seed.sql"]) {
    const full = path.resolve(supabaseDir, entry);
    const base = path.basename(full);
    if (!base.includes("*")) {
      if (fs.existsSync(full)) files.push(full);
      continue;
    }
    const dir = path.dirname(full);
    const escape = (text) => text.replace(/[.+?^$()|[\]{}\\]/g, "\\$&");
    const pattern = new RegExp("^" + base.split("*").map(escape).join(".*") + "$");
    if (fs.existsSync(dir)) files.push(...fs.readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => path.join(dir, f)));
  }
  return [...new Set(files)];
}

/**
 * The project's seed files, each with scheduler.demo_api_url set to this
 * stack's API URL first (this repository's demo points its tasks at the
 * stack's echo endpoint with it; another project's seed ignores it).
 */
export function applySeed(profile, db = "postgres") {
  for (const file of seedFiles(profile.projectRoot)) {
    const sql = `set scheduler.demo_api_url = '${profile.apiUrl}';\n${fs.readFileSync(file, "utf8")}`;
    run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "postgres", "-d", db],
      { input: sql, env: { PGPASSWORD: "postgres" }, quiet: true, cwd: path.dirname(file) });
  }
}
