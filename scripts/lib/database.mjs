// Puts a database into the state a hosted Supabase project would be in:
// the platform bootstrap (local only), then the project's migrations through
// the real supabase CLI, then supabase/seed.sql.
import fs from "node:fs";
import path from "node:path";
import { installExtensionFiles, psql, run } from "./cluster.mjs";
import { repoRoot } from "./profile.mjs";

const bootstrapDir = path.join(repoRoot, "scripts/sql/bootstrap");

/** Stand-in extensions shipped as plain SQL extension files (see their headers). */
const standInExtensionDirs = ["scripts/pg-net", "scripts/vault"].map((d) => path.join(repoRoot, d));

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
  try {
    run(path.join(repoRoot, "node_modules/.bin/supabase"), [
      "db", "push", `--remote=${dbUrl}`, "--include-all", "--skip-vault", "--yes",
    ], { quiet: true });
  } catch (err) {
    if (!/Remote migration versions not found in local migrations directory/.test(err.message)) throw err;
    // a local database migrated by another checkout's history (before the
    // first release the migrations were regenerated from supabase/schemas/)
    throw new Error(`The ${profile.name} database holds migrations that supabase/migrations/ no longer has.\n` +
      `\`npm run reset\` recreates it from this checkout's migrations (its data is lost).\n\n${err.message}`);
  }
}

/** supabase/seed.sql, with the demo pointed at this stack's echo endpoint (scheduler.demo_api_url). */
export function applySeed(profile, db = "postgres") {
  const seed = path.join(repoRoot, "supabase/seed.sql");
  if (!fs.existsSync(seed)) return;
  const sql = `set scheduler.demo_api_url = '${profile.apiUrl}';\n${fs.readFileSync(seed, "utf8")}`;
  run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "postgres", "-d", db],
    { input: sql, env: { PGPASSWORD: "postgres" }, quiet: true });
}
