// `test`: every suite against a fresh test stack of the project (its own
// cluster and gateway, on the test ports, so the dev data is never touched),
// then one last line `N passed, N failed` summed over all suites.
//
// Suites (`test pgtap vitest` runs some):
// - deno: `deno check` of every function, each with its own deno.json, and
//   `deno lint` where the project's deno.json configures it;
// - advisors: `supabase db advisors`, no WARN or ERROR;
// - pgtap: the project's pgTAP files (supabase/tests, as `supabase test db`
//   finds them) through pg_prove; in a project the scheduler is installed
//   into, the scheduler's own pgTAP files run after them, on the same database;
// - vitest: this repository's unit, integration and end-to-end tests (only here).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { denoConfigArgs } from "../gateway/gateway.mjs";
import { parseToml } from "../gateway/toml.mjs";
import { readManifest } from "../install/manifest.mjs";
import { getProfile } from "../lib/profile.mjs";
import { binPath, packageRoot, projectPaths } from "../lib/project.mjs";
import { prepareDatabase, stackEnv, startServices, stopStack } from "../lib/stack.mjs";
import { commandContext } from "./context.mjs";

/**
 * The files `supabase test db` runs under `dir`, in its order. The CLI runs
 * `pg_prove --ext .pg --ext .sql -r supabase/tests`: every file ending in
 * .sql or .pg at any depth (symlinks followed), sorted by path byte by byte.
 * Helpers the files include (supabase/tests/database/_helpers/*.psql) end
 * otherwise, so they are not tests.
 */
export function pgTapFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const walk = (d) => fs.readdirSync(d).flatMap((name) => {
    const full = path.join(d, name);
    const stat = fs.statSync(full);
    if (stat.isDirectory()) return walk(full);
    return stat.isFile() && /(?:\.pg|\.sql)$/.test(name) ? [full] : [];
  });
  return walk(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export default async function test(args) {
  const { project } = commandContext();
  const profile = getProfile("test");
  const only = new Set(args.filter((a) => !a.startsWith("-")));
  const wanted = (suite) => only.size === 0 || only.has(suite);
  const totals = { passed: 0, failed: 0 };
  const failures = [];

  function record(suite, passed, failed, detail = "") {
    totals.passed += passed;
    totals.failed += failed;
    if (failed > 0) failures.push(`${suite}: ${failed} failed${detail ? ` (${detail})` : ""}`);
    console.log(`\n[${suite}] ${passed} passed, ${failed} failed`);
  }

  function exec(cmd, cmdArgs, env = {}) {
    const shown = path.isAbsolute(cmd) ? path.basename(cmd) : cmd;
    console.log(`\n$ ${[shown, ...cmdArgs.map((a) => a.replace(`${project.root}/`, ""))].join(" ")}`);
    const res = spawnSync(cmd, cmdArgs, { cwd: project.root, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
    process.stdout.write(output);
    return { status: res.status ?? 1, output };
  }

  const config = fs.existsSync(project.configToml) ? parseToml(fs.readFileSync(project.configToml, "utf8"), project.configToml) : {};

  /** One test per function: `deno check`, then `deno lint` where deno.json configures it. */
  function runDenoSuite() {
    const dir = project.functionsDir;
    const functions = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((n) => !n.startsWith("_") && !n.startsWith(".") && fs.existsSync(path.join(dir, n, "index.ts"))).sort()
      : [];
    let passed = 0;
    let failed = 0;
    const deno = binPath("deno");
    for (const fn of functions) {
      const flags = denoConfigArgs({ name: fn, functionsDir: dir, config, fallbackConfig: path.join(project.root, "deno.json") });
      const { status } = exec(deno, ["check", "--quiet", ...flags, path.join(dir, fn, "index.ts")]);
      status === 0 ? passed++ : failed++;
    }
    const rootConfig = path.join(project.root, "deno.json");
    if (fs.existsSync(rootConfig) && JSON.parse(fs.readFileSync(rootConfig, "utf8")).lint) {
      const lint = exec(deno, ["lint"]);
      lint.status === 0 ? passed++ : failed++;
    }
    record("deno check + lint", passed, failed);
  }

  const connection = ["-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "postgres", "-d", "postgres"];

  // what a test could leave behind: schemas, relations, functions (and their
  // bodies), types, policies, triggers, roles, extensions, grants, pg_cron
  // jobs, the scheduler's settings and labelled fixture users
  const catalog = () => spawnSync("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", ...connection, "-c", `
    select 'schema ' || n.nspname::text from pg_namespace n where n.nspname !~ '^pg_(toast_)?temp_'
    union all select 'relation ' || c.oid::regclass::text || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '')
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relpersistence <> 't' and n.nspname !~ '^pg_(toast_)?temp_'
    union all select 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' ' || coalesce(p.proacl::text, '')
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname !~ '^pg_(toast_)?temp_'
    union all select 'type ' || t.oid::regtype::text from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname !~ '^pg_(toast_)?temp_'
    union all select 'policy ' || polrelid::regclass::text || ' ' || polname from pg_policy
    union all select 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text from pg_trigger
    union all select 'role ' || rolname from pg_roles
    union all select 'extension ' || extname || ' ' || extversion from pg_extension
    union all select 'default acl ' || defaclrole::regrole::text || ' ' || defaclnamespace::regnamespace::text || ' ' || defaclobjtype::text || ' ' || defaclacl::text from pg_default_acl
    union all select 'cron job ' || jobname || ' ' || schedule || ' ' || command from cron.job
    union all select 'setting ' || key || ' ' || value::text from scheduler_internal.settings
    union all select 'fixture users ' || count(*)::text from auth.users where raw_user_meta_data ? 'test_label' or email like '%@test.local'
    order by 1`], { env: { ...process.env, PGPASSWORD: "postgres" }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

  /**
   * `files` through pg_prove as the postgres role, as `supabase test db`
   * runs them. With `leavesNothing`, one more assertion: the database's
   * catalog after them is the one before, since every file rolls back (the
   * scheduler's files; an app's own may commit helpers, as Supabase's testing
   * guide does).
   */
  function runPgTapSuite(suite, files, { leavesNothing = false } = {}) {
    const before = leavesNothing ? catalog() : null;
    let passed = 0;
    let failed = 0;
    for (const file of files) {
      const { status, output } = exec("pg_prove", ["--verbose", ...connection, file], { PGPASSWORD: "postgres" });
      const ok = (output.match(/^ok \d+/gm) ?? []).length;
      const notOk = (output.match(/^not ok \d+/gm) ?? []).length;
      passed += ok;
      // a file that dies or misses its plan fails even when every printed test passed
      failed += notOk + (status !== 0 && notOk === 0 ? 1 : 0);
    }
    if (before) {
      const after = catalog();
      const lines = (r) => new Set(r.stdout.split("\n"));
      const [was, is] = [lines(before), lines(after)];
      const changed = [...[...was].filter((l) => !is.has(l)).map((l) => `- ${l}`), ...[...is].filter((l) => !was.has(l)).map((l) => `+ ${l}`)];
      const same = before.status === 0 && after.status === 0 && changed.length === 0;
      console.log(same
        ? "\nok: the database's catalog after the suite is the one before it (nothing left behind)"
        : `\nnot ok: the suite left the database changed\n${`${before.stderr}${after.stderr}`}${changed.slice(0, 40).join("\n")}`);
      same ? passed++ : failed++;
    }
    record(suite, passed, failed);
  }

  function runAdvisorsSuite() {
    const { status, output } = exec(binPath("supabase"), ["db", "advisors", `--remote=${profile.dbUrl}`, "--level", "warn", "--fail-on", "warn"]);
    const clean = status === 0 && !/\b(WARN|ERROR)\b/.test(output.replace(/^npm warn.*$/gm, ""));
    record("supabase db advisors", clean ? 1 : 0, clean ? 0 : 1);
  }

  function runVitestSuite() {
    const report = path.join(profile.dir, "vitest.json");
    fs.rmSync(report, { force: true });
    const { status } = exec(binPath("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${report}`], stackEnv(profile));
    if (!fs.existsSync(report)) return record("vitest", 0, 1, `vitest exited ${status} without a report`);
    const r = JSON.parse(fs.readFileSync(report, "utf8"));
    // a file that fails to load has no tests in it but must still count
    const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
    record("vitest", r.numPassedTests, r.numFailedTests + brokenFiles);
  }

  try {
    if (wanted("deno")) runDenoSuite();
    console.log("\nPreparing a fresh test stack…");
    prepareDatabase(profile, { fresh: true, seed: false });
    await startServices(profile, { detached: true });
    if (wanted("advisors")) runAdvisorsSuite();
    if (wanted("pgtap")) {
      runPgTapSuite("pgTAP", pgTapFiles(project.testsDir), { leavesNothing: project.isPackage });
      // in a project the scheduler is installed into, its own pgTAP files run beside the app's
      if (!project.isPackage && readManifest(project.root)) {
        runPgTapSuite("pgTAP (the scheduler's)", pgTapFiles(projectPaths(packageRoot).testsDir), { leavesNothing: true });
      }
    }
    if (wanted("vitest") && project.isPackage) runVitestSuite();
  } catch (err) {
    console.error(`\nThe test run could not complete: ${err.stack ?? err.message}`);
    totals.failed += 1;
  } finally {
    await stopStack(profile);
  }
  if (failures.length) console.log(`\nFailures:\n- ${failures.join("\n- ")}`);
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
  return totals.failed > 0 ? 1 : 0;
}
