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
  run(path.join(repoRoot, "node_modules/.bin/supabase"), [
    "db", "push", `--remote=${dbUrl}`, "--include-all", "--skip-vault", "--yes",
  ], { quiet: true });
}

export function applySeed(profile, db = "postgres") {
  const seed = path.join(repoRoot, "supabase/seed.sql");
  if (fs.existsSync(seed)) psql(profile, { file: seed, user: "postgres", db });
}

/** A fresh database on the profile's cluster, bootstrapped and migrated (tests, benchmarks). */
export function createMigratedDatabase(profile, db) {
  psql(profile, { sql: `drop database if exists ${db} with (force)` });
  psql(profile, { sql: `create database ${db} owner postgres` });
  bootstrapDatabase(profile, db);
  applyMigrations(profile, profile.dbUrl.replace(/\/postgres$/, `/${db}`));
}
