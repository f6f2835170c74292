// `npm test`: every suite against a fresh test stack (its own cluster on
// 54332 and gateway on 54331, so a developer's dev data is never touched),
// then one last line `N passed, N failed` summed over all suites.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureNpmDeps } from "./lib/npm-deps.mjs";
import { getProfile, repoRoot } from "./lib/profile.mjs";

// npm packages (jose, smol-toml, postgres…) are only there once installed: the
// modules that import them load after ensureNpmDeps
ensureNpmDeps();
const { prepareDatabase, stackEnv, startServices, stopStack } = await import("./lib/stack.mjs");

const profile = getProfile("test");
const only = new Set(process.argv.slice(2)); // e.g. `npm test -- pgtap vitest`
const wanted = (suite) => only.size === 0 || only.has(suite);
const totals = { passed: 0, failed: 0 };
const failures = [];

function record(suite, passed, failed, detail = "") {
  totals.passed += passed;
  totals.failed += failed;
  if (failed > 0) failures.push(`${suite}: ${failed} failed${detail ? ` (${detail})` : ""}`);
  console.log(`\n[${suite}] ${passed} passed, ${failed} failed`);
}

function exec(cmd, args, env = {}) {
  console.log(`\n$ ${[path.relative(repoRoot, cmd) || cmd, ...args].join(" ")}`);
  const res = spawnSync(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  process.stdout.write(output);
  return { status: res.status ?? 1, output };
}

const bin = (name) => path.join(repoRoot, "node_modules/.bin", name);

function functionEntries() {
  const dir = path.join(repoRoot, "supabase/functions");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((name) => !name.startsWith("_") && fs.existsSync(path.join(dir, name, "index.ts")))
    .map((name) => `supabase/functions/${name}/index.ts`);
}

/** One test per function: `deno check`, then `deno lint` over functions and shared/. */
function runDenoSuite() {
  let passed = 0;
  let failed = 0;
  for (const entry of functionEntries()) {
    const { status } = exec(bin("deno"), ["check", "--quiet", entry]);
    status === 0 ? passed++ : failed++;
  }
  const lint = exec(bin("deno"), ["lint"]);
  lint.status === 0 ? passed++ : failed++;
  record("deno check + lint", passed, failed);
}

/** The same files `supabase test db` runs, through pg_prove, as the postgres role. */
function runPgTapSuite() {
  const dir = path.join(repoRoot, "supabase/tests/database");
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort() : [];
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const { status, output } = exec("pg_prove", [
      "--verbose", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "postgres", "-d", "postgres",
      path.join("supabase/tests/database", file),
    ], { PGPASSWORD: "postgres" });
    const ok = (output.match(/^ok \d+/gm) ?? []).length;
    const notOk = (output.match(/^not ok \d+/gm) ?? []).length;
    passed += ok;
    // a file that dies or misses its plan fails even when every printed test passed
    failed += notOk + (status !== 0 && notOk === 0 ? 1 : 0);
  }
  record("pgTAP", passed, failed);
}

function runAdvisorsSuite() {
  const { status, output } = exec(bin("supabase"), ["db", "advisors", `--remote=${profile.dbUrl}`, "--level", "warn", "--fail-on", "warn"]);
  const clean = status === 0 && !/\b(WARN|ERROR)\b/.test(output.replace(/^npm warn.*$/gm, ""));
  record("supabase db advisors", clean ? 1 : 0, clean ? 0 : 1);
}

function runVitestSuite() {
  const report = path.join(profile.dir, "vitest.json");
  fs.rmSync(report, { force: true });
  const { status } = exec(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${report}`], stackEnv(profile));
  if (!fs.existsSync(report)) return record("vitest", 0, 1, `vitest exited ${status} without a report`);
  const r = JSON.parse(fs.readFileSync(report, "utf8"));
  // a file that fails to load has no tests in it but must still count
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  record("vitest", r.numPassedTests, r.numFailedTests + brokenFiles);
}

let exitCode = 0;
try {
  if (wanted("deno")) runDenoSuite();
  console.log("\nPreparing a fresh test stack…");
  prepareDatabase(profile, { fresh: true, seed: false });
  await startServices(profile, { detached: true });
  if (wanted("advisors")) runAdvisorsSuite();
  if (wanted("pgtap")) runPgTapSuite();
  if (wanted("vitest")) runVitestSuite();
} catch (err) {
  console.error(`\nThe test run could not complete: ${err.stack ?? err.message}`);
  totals.failed += 1;
} finally {
  await stopStack(profile);
}
if (failures.length) console.log(`\nFailures:\n- ${failures.join("\n- ")}`);
if (totals.failed > 0) exitCode = 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(exitCode);
