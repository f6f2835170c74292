// supabase/schemas/ is the one home of every definition; supabase/migrations/
// is generated from it. This module builds a database from each side on two
// bare clusters of their own (profiles from-migrations and from-schemas: no
// services, nothing of dev or test touched) and compares what they hold.
import fs from "node:fs";
import path from "node:path";
import { destroyCluster, initCluster, pgBin, psql, run, startCluster, stopCluster } from "./cluster.mjs";
import { applyMigrations, bootstrapDatabase, installStandInExtensions } from "./database.mjs";
import { getProfile, repoRoot } from "./profile.mjs";

export const schemasDir = path.join(repoRoot, "supabase/schemas");
export const migrationsDir = path.join(repoRoot, "supabase/migrations");
export const ownSchemas = ["scheduler", "scheduler_internal"];

/** The tree's files in the order they apply: by folder, then by file (both numbered). */
export function schemaFiles() {
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? walk(p) : e.name.endsWith(".sql") ? [p] : [];
    });
  return walk(schemasDir).map((p) => path.relative(schemasDir, p)).sort();
}

/**
 * The whole tree as one script. Function bodies are checked when first run,
 * not when created (as pg_dump and `supabase db diff` write them), so a
 * function may name a table its folder precedes: tables need the functions
 * first, for their defaults, policies and triggers.
 */
export function renderTree() {
  const parts = schemaFiles().map((rel) =>
    `-- supabase/schemas/${rel} ${"-".repeat(Math.max(3, 60 - rel.length))}\n\n${fs.readFileSync(path.join(schemasDir, rel), "utf8").trim()}\n`);
  return ["set check_function_bodies = off;\n", ...parts].join("\n");
}

export const fromMigrations = () => getProfile("from-migrations");
export const fromSchemas = () => getProfile("from-schemas");

/** A fresh bare cluster with the platform bootstrap, as a new hosted project has. */
function freshCluster(profile) {
  destroyCluster(profile);
  initCluster(profile);
  startCluster(profile);
  bootstrapDatabase(profile);
}

/** Both databases, built from scratch: one through `supabase db push`, one from the tree. */
export function buildBothSides() {
  installStandInExtensions();
  const m = fromMigrations();
  const s = fromSchemas();
  freshCluster(m);
  applyMigrations(m);
  freshCluster(s);
  const script = path.join(s.dir, "schemas.sql");
  fs.writeFileSync(script, renderTree());
  fs.chmodSync(script, 0o644);
  psql(s, { file: script, user: "postgres" });
  return { m, s };
}

export function stopBothSides() {
  for (const p of [fromMigrations(), fromSchemas()]) stopCluster(p);
}

/**
 * Everything the scheduler defines, as text two databases can be compared
 * by: pg_dump of its schemas (tables, columns, constraints, indexes, policies,
 * grants, comments, functions, triggers, default privileges) plus what lives
 * outside them: its triggers on auth.users and its tables in publications.
 */
export function describeSchema(profile) {
  const dump = run(pgBin("pg_dump"), [
    "--schema-only", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "supabase_admin", "-d", "postgres",
    ...ownSchemas.flatMap((n) => ["-n", n]),
  ], { env: { PGPASSWORD: "postgres" }, quiet: true }).stdout;
  const extra = run("psql", ["-X", "-At", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "supabase_admin", "-d", "postgres", "-c",
    `select 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid) from pg_catalog.pg_trigger t
      where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal and t.tgfoid::regproc::text like 'scheduler%'
     union all
     select 'publication ' || p.pubname || ' ' || p.schemaname || '.' || p.tablename from pg_catalog.pg_publication_tables p
      where p.schemaname in ('scheduler', 'scheduler_internal')
     order by 1`], { env: { PGPASSWORD: "postgres" }, quiet: true }).stdout;
  // pg_dump's comments name nothing that differs between two equal schemas
  const body = dump.split("\n").filter((l) => !/^(--( Dumped| PostgreSQL database dump)|\\(un)?restrict )/.test(l)).join("\n");
  return `${body}\n-- outside the scheduler's schemas\n${extra}`;
}

/** The first lines where two descriptions differ, with a little context. */
export function firstDifferences(a, b, { max = 40 } = {}) {
  const la = a.split("\n");
  const lb = b.split("\n");
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  if (i === la.length && i === lb.length) return "";
  const from = Math.max(0, i - 3);
  return [
    `first difference at line ${i + 1}:`,
    ...la.slice(from, i + max / 2).map((l) => `  migrations | ${l}`),
    "  ...",
    ...lb.slice(from, i + max / 2).map((l) => `  schemas    | ${l}`),
  ].join("\n");
}

/** `supabase db diff` from the migrated database to the tree's: what a new migration must do. */
export function supabaseDiff(m, s) {
  const res = run(path.join(repoRoot, "node_modules/.bin/supabase"), [
    "db", "diff", "--from", m.adminDbUrl, "--to", s.adminDbUrl, "-s", ownSchemas.join(","),
  ], { quiet: true, env: { PGSSLMODE: "disable" } });
  // the CLI prints its notices to stdout too, framed by box-drawing characters
  return res.stdout.split("\n").filter((l) => !/^[│▲◇●]/.test(l)).join("\n").trim();
}
