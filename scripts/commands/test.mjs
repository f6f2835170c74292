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

/** pgTAP files under `dir` as `supabase test db` takes them: *.sql and *.pg at any depth, in path order. */
export function pgTapFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(sql|pg)$/.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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

  /** The files `supabase test db` runs, through pg_prove, as the postgres role. */
  function runPgTapSuite(suite, files) {
    let passed = 0;
    let failed = 0;
    for (const file of files) {
      const { status, output } = exec("pg_prove", [
        "--verbose", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "postgres", "-d", "postgres", file,
      ], { PGPASSWORD: "postgres" });
      const ok = (output.match(/^ok \d+/gm) ?? []).length;
      const notOk = (output.match(/^not ok \d+/gm) ?? []).length;
      passed += ok;
      // a file that dies or misses its plan fails even when every printed test passed
      failed += notOk + (status !== 0 && notOk === 0 ? 1 : 0);
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
      runPgTapSuite("pgTAP", pgTapFiles(project.testsDir));
      // in a project the scheduler is installed into, its own pgTAP files run beside the app's
      if (!project.isPackage && readManifest(project.root)) {
        runPgTapSuite("pgTAP (the scheduler's)", pgTapFiles(projectPaths(packageRoot).testsDir));
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
