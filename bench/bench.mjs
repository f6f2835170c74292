// The bench, loaded by bench/run.mjs: `npm run bench` (quick, about 14 minutes here) or `npm run bench -- --full` (about 55):
// our engine side by side with graphile-worker and pg-boss on the same
// PostgreSQL, in the same run, reported as medians, ranges and ratios in
// bench/RESULTS.md. Never part of `npm test` (bench/*.test.ts check the
// workloads' own correctness there, on small sizes). `-- --only fanout,precision`
// runs some workloads (drain, fanout, precision, needle) and prints their
// tables without writing bench/RESULTS.md. `npm run bench -- kill` runs the
// crash-recovery kill test alone (bench/lib/kill.mjs: 20 kills, about 30
// minutes) and writes its section of bench/RESULTS.md, which the other runs keep.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { psql } from "../scripts/lib/cluster.mjs";
import { ensureNpmDeps } from "../scripts/lib/npm-deps.mjs";
import { getProfile, repoRoot } from "../scripts/lib/profile.mjs";
import { prepareDatabase, startServices, stopServices, stopStack } from "../scripts/lib/stack.mjs";
import { drainBoss, drainGraphile, drainOurs } from "./lib/drain.mjs";
import { echoCeiling, fanoutBoss, fanoutGraphile, fanoutOurs, startEcho } from "./lib/fanout.mjs";
import { killReport, killRecovery, killSectionOf, withBlock, withKillSection, withNotes } from "./lib/kill.mjs";
import { hotPathPlans, measureClaim, seedNeedle } from "./lib/needle.mjs";
import { countInvocations, dispatcherInvocations, sampleFunctionProcesses, summarizeInvocations } from "./lib/pipeline.mjs";
import { burstPrecision, lookaheadSeconds, secondLevelPrecision, setLookahead, spreadPrecision } from "./lib/precision.mjs";
import { fmt, fmtSummary, repeat, summarize } from "./lib/stats.mjs";

const full = process.argv.includes("--full");
// `npm run bench -- kill [--kills 20] [--lease-margin "10 seconds"]`: the crash-recovery kill test alone
const killOnly = process.argv.slice(2).includes("kill");
const argValue = (name) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  return at < 0 ? undefined : process.argv[at].includes("=") ? process.argv[at].split("=").slice(1).join("=") : process.argv[at + 1];
};
// `--only fanout,precision` or `--only=fanout,precision`
const onlyAt = process.argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
const only = onlyAt < 0 ? null
  : new Set((process.argv[onlyAt].includes("=") ? process.argv[onlyAt].split("=")[1] : process.argv[onlyAt + 1] ?? "").split(",").filter(Boolean));
const wanted = (workload) => only === null || only.has(workload);
const reps = 3;
const profile = getProfile("bench");
// the bench's own echo server follows the profile's ports like the test
// stack's loopback servers do (54349 by default, STACK_PORT_BASE + 29 when set)
const echoPort = profile.apiPort + 8;
const log = (m) => console.log(m);
const sizes = {
  drain: full ? [10_000, 100_000] : [10_000],
  needle: full
    ? [[10_000, 0], [100_000, 1_000_000], [1_000_000, 10_000_000]]
    : [[10_000, 0], [100_000, 1_000_000]],
  precisionReps: full ? 3 : 1,
  spreadRuns: 1000,
  secondLevelTasks: 100,
  burstRuns: 10_000,
  // the other lookahead measured beside the setting's default (10 s)
  otherLookahead: 5,
};

function freshDatabase(name) {
  psql(profile, { sql: `drop database if exists ${name} with (force)` });
  psql(profile, { sql: `create database ${name} owner postgres` });
  return profile.dbUrl.replace(/\/postgres$/, `/${name}`);
}

const mb = (x) => x === null || x === undefined ? "n/a" : fmt(x);
const ms = (x) => x === null || x === undefined ? "n/a" : fmt(x);

function machine() {
  const settings = execFileSync("psql", ["-X", "-At", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", "supabase_admin", "-d", "postgres", "-c",
    "select string_agg(name || '=' || setting || coalesce(unit, ''), ', ' order by name) from pg_settings where name in ('shared_buffers','work_mem','max_connections','synchronous_commit','fsync','max_wal_size','server_version')"],
    { env: { ...process.env, PGPASSWORD: "postgres" }, encoding: "utf8" }).trim();
  // the machine is shared: its load when the run began says how quiet it was
  const load = os.loadavg().map((l) => fmt(l, 2)).join(" / ");
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, load average ${load} (1 / 5 / 15 min) at the start; PostgreSQL: ${settings}`;
}

ensureNpmDeps(log);
log(`Preparing a fresh bench stack (${profile.dbUrl})…`);
prepareDatabase(profile, { fresh: true, seed: false, log });
await startServices(profile);
const sql = postgres(profile.dbUrl, { max: 1, onnotice: () => {} });
const [{ id: ownerId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), 'bench@example.com') returning id`;
await sql.end();

const machineInfo = machine();
const resultsFile = path.join(repoRoot, "bench/RESULTS.md");

if (killOnly) {
  const kills = Number(argValue("--kills") ?? 20);
  const leaseMargin = argValue("--lease-margin") ?? null;
  // `--apply change.sql`: SQL run as the superuser before the workload, to measure a proposed change
  const apply = argValue("--apply") ?? null;
  if (apply) psql(profile, { file: path.resolve(apply) });
  const variant = [apply ? `with ${path.basename(apply)}` : null, leaseMargin ? `lease_margin ${leaseMargin}` : null].filter(Boolean).join(", ") || "default settings";
  const startedKill = new Date();
  let report;
  try {
    const r = await killRecovery({ profile, kills, leaseMargin, receiverPort: profile.apiPort + 9, log });
    const command = `npm run bench -- kill${kills !== 20 ? ` --kills ${kills}` : ""}${leaseMargin ? ` --lease-margin "${leaseMargin}"` : ""}${apply ? ` --apply ${path.relative(repoRoot, path.resolve(apply))}` : ""}`;
    report = `${killReport(r, { command, when: startedKill.toISOString(), variant })}\n\nMachine: ${machineInfo}.`;
    fs.mkdirSync(path.join(repoRoot, "bench/.work"), { recursive: true });
    fs.writeFileSync(path.join(repoRoot, "bench/.work/kill.json"), JSON.stringify(r, null, 2));
  } finally {
    await stopStack(profile);
  }
  const before = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, "utf8") : "# Benchmark results\n";
  const notes = fs.readFileSync(path.join(repoRoot, "bench/NOTES.md"), "utf8");
  fs.writeFileSync(resultsFile, withNotes(withKillSection(before, report, variant), notes));
  log(report);
  process.exit(0);
}
const lines = [];
const out = (s = "") => lines.push(s);
const startedAt = new Date();

try {
  // 1. drain
  if (wanted("drain")) {
    out("## 1. Drain: due no-op jobs claimed, executed and recorded");
    out("");
    out("| jobs | system | jobs/s, median (range) | ours ÷ system |");
    out("|---|---|---|---|");
    for (const n of sizes.drain) {
      log(`drain ${n}`);
      const results = {};
      // one connection per core: more only queue behind each other on this 2-core machine
      // (measured 4 × 500: ~4,300-5,100 jobs/s, 2 × 1,000: ~6,000, 8 × 250: ~3,300)
      const workers = Math.max(2, os.cpus().length);
      await drainOurs({ dbUrl: profile.dbUrl, ownerId, n: Math.min(n, 2000), workers, batch: 1000 }); // warm-up, not counted
      results[`ours (claim_due_runs + start_runs + complete_runs, ${workers} connections, batch 1,000)`] = summarize(await repeat(reps, async () =>
        (await drainOurs({ dbUrl: profile.dbUrl, ownerId, n, workers, batch: 1000 })).perSecond));
      for (const batching of [false, true]) {
        results[`graphile-worker 0.18, concurrency 16, batching ${batching ? "on" : "off"}`] = summarize(await repeat(reps, async (i) =>
          (await drainGraphile({ dbUrl: freshDatabase(`bench_gw_${batching ? "b" : "n"}_${i}`), n, batching })).perSecond));
      }
      for (const batchSize of [1, 100]) {
        // one job per fetch, with pg-boss's 0.5 s minimum polling interval, runs at a few dozen jobs/s:
        // its rate is measured on at most 1,000 jobs so the quick run stays quick (see the note below)
        const jobs = batchSize === 1 ? Math.min(n, 1000) : n;
        results[`pg-boss 12, batchSize ${batchSize}${jobs !== n ? ` (rate over ${fmt(jobs)} jobs)` : ""}`] = summarize(await repeat(reps, async (i) =>
          (await drainBoss({ dbUrl: freshDatabase(`bench_boss_${batchSize}_${i}`), n: jobs, batchSize })).perSecond));
      }
      const ours = Object.values(results)[0].median;
      for (const [name, s] of Object.entries(results)) out(`| ${fmt(n)} | ${name} | ${fmtSummary(s)} | ${fmt(ours / s.median, 2)}× |`);
    }
    out("");
  }

  // 2. HTTP fan-out
  if (wanted("fanout")) {
    out("## 2. HTTP fan-out: due HTTP jobs against a loopback echo server");
    out("");
    const echo = await startEcho(echoPort);
    try {
      const n = 10_000;
      log(`fan-out ${n}`);
      const ceiling = summarize(await repeat(reps, () => echoCeiling(echo.url, n)));
      // fresh function processes, so the dispatcher's high-water mark is this workload's alone
      await stopServices(profile);
      await startServices(profile);
      const processes = sampleFunctionProcesses({ name: "dispatcher", apiUrl: profile.apiUrl });
      await fanoutOurs({ dbUrl: profile.dbUrl, ownerId, url: echo.url, n: 1000 }); // warm-up of the fresh functions, not counted
      const fanSince = Date.now();
      const oursRuns = summarize(await repeat(reps, async () => (await fanoutOurs({ dbUrl: profile.dbUrl, ownerId, url: echo.url, n })).perSecond));
      const fanUntil = Date.now();
      const fan = {
        "ours (pg_net → dispatcher → http function, gateway, calls of 250 runs, 64 in flight per call)": oursRuns,
        "graphile-worker 0.18, concurrency 64, batching on": summarize(await repeat(reps, async (i) =>
          (await fanoutGraphile({ dbUrl: freshDatabase(`bench_fan_gw_${i}`), url: echo.url, n })).perSecond)),
        "pg-boss 12, batchSize 100, 4 local workers": summarize(await repeat(reps, async (i) =>
          (await fanoutBoss({ dbUrl: freshDatabase(`bench_fan_boss_${i}`), url: echo.url, n })).perSecond)),
      };
      const proc = processes.stop();
      const d = summarizeInvocations(dispatcherInvocations(profile.logDir, fanSince, fanUntil));
      const inv = countInvocations(profile.logDir, fanSince, fanUntil);
      out(`Echo server ceiling (64 concurrent POSTs from Node): ${fmtSummary(ceiling)} requests/s. Dispatcher with ${fmt(n)} runs due at once, over ${reps} such wakes: isolate peak ${mb(d.isolatePeakMb)} MB (V8 heap + external buffers, as the dispatcher samples it, over ${d.invocations} invocations), ${mb(proc.peakMb)} MB resident at most for a whole Deno process of it (VmHWM over the ${proc.processes} dispatcher process${proc.processes === 1 ? "" : "es"} of the run, warm-up included; the runtime alone is about 60 MB at boot); ${fmt(inv.total * 1000 / (reps * n), 1)} invocations per 1,000 runs (${inv.dispatcher} dispatcher, ${inv.actions} http); ${d.givenBack} runs given back, ${d.errors} errors.`);
      out("");
      out("| jobs | system | jobs/s, median (range) | fraction of the echo ceiling | ours ÷ system |");
      out("|---|---|---|---|---|");
      const ours = Object.values(fan)[0].median;
      for (const [name, s] of Object.entries(fan)) {
        out(`| ${fmt(n)} | ${name} | ${fmtSummary(s)} | ${fmt(s.median / ceiling.median, 2)} | ${fmt(ours / s.median, 2)}× |`);
      }
    } finally {
      echo.stop();
    }
    out("");
  }

  // 4 and 5. tick precision and cost
  if (wanted("precision")) {
    out("## 4. Tick precision and 5. cost, through pg_cron / the wake → pg_net → dispatcher → http → echo");
    out("");
    out("| workload | lookahead | runs | started | not started | failed | lateness p50 ms | p99 ms | max ms | received by the echo − due, p50 / p99 / max ms | invocations / 1,000 runs (dispatcher + http) | SQL statements / 1,000 runs | WAL bytes / 1,000 runs | dispatcher: invocations, claim rounds, runs given back, errors | dispatcher peak: isolate MB / process VmHWM MB (processes) |");
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    // measured on a quiet database: the drain's dead rows vacuumed and a checkpoint taken,
    // so neither autovacuum nor full-page writes after a checkpoint land in the window
    psql(profile, { sql: "vacuum analyze" });
    psql(profile, { sql: "checkpoint" });
    const args = { dbUrl: profile.dbUrl, adminDbUrl: profile.adminDbUrl, apiUrl: profile.apiUrl, logDir: profile.logDir, ownerId, log };
    const row = (name, r, lookahead) => out(`| ${name} | ${fmt(lookahead)} s | ${fmt(r.runs)} | ${fmt(r.started)} | ${fmt(r.notStarted)} | ${fmt(r.failed)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.received.p50)} / ${ms(r.received.p99)} / ${ms(r.received.max)} | ${fmt(r.invocationsPer1000, 1)} (${r.invocations.dispatcher} + ${r.invocations.actions}) | ${fmt(r.statementsPer1000)} | ${fmt(r.walBytesPer1000)} | ${r.dispatcher.invocations}, ${r.dispatcher.rounds}, ${r.dispatcher.givenBack}, ${r.dispatcher.errors} | ${mb(r.dispatcherIsolatePeakMb)} / ${mb(r.dispatcherProcessPeakMb)} (${r.dispatcherProcesses}) |`);
    const sql = postgres(profile.dbUrl, { max: 1, onnotice: () => {} });
    const lookahead = await lookaheadSeconds(sql);
    await sql.end();
    const shapes = async (la) => {
      for (let t = 0; t < sizes.precisionReps; t++) {
        log(`precision: spread, lookahead ${la} s, ${t + 1}`);
        row(`${fmt(sizes.spreadRuns)} one-off runs spread over a minute`, await spreadPrecision({ ...args, n: sizes.spreadRuns }), la);
      }
      for (let t = 0; t < sizes.precisionReps; t++) {
        log(`precision: second-level, lookahead ${la} s, ${t + 1}`);
        row(`${fmt(sizes.secondLevelTasks)} tasks on \`*/5 * * * * *\`, 60 s`, await secondLevelPrecision({ ...args, tasks: sizes.secondLevelTasks }), la);
      }
    };
    await shapes(lookahead);
    if (full) {
      // the previous design's "10,000 in one tick": as many runs spread over one minute
      log(`precision: ${sizes.burstRuns} spread over a minute`);
      row(`${fmt(sizes.burstRuns)} one-off runs spread over a minute`, await spreadPrecision({ ...args, n: sizes.burstRuns }), lookahead);
    }
    // fresh function processes, so the VmHWM is the burst's alone
    await stopServices(profile);
    await startServices(profile);
    log(`precision: burst of ${sizes.burstRuns}`);
    row(`${fmt(sizes.burstRuns)} one-off runs due at one second`, await burstPrecision({ ...args, n: sizes.burstRuns }), lookahead);
    if (sizes.otherLookahead && sizes.otherLookahead !== lookahead) {
      const previous = await setLookahead(profile.adminDbUrl, sizes.otherLookahead);
      try {
        await shapes(sizes.otherLookahead);
      } finally {
        const admin = postgres(profile.adminDbUrl, { max: 1, onnotice: () => {} });
        await admin`update scheduler_internal.settings set value = to_jsonb(${previous}::text) where key = 'dispatch_lookahead'`;
        await admin.end();
      }
    }
    out("");
  }

  // 3. needle
  if (wanted("needle")) {
    out("## 3. Needle: claiming 1,000 when 1% of the tasks are due");
    out("");
    // the smallest table has only its 1% due, so each size is also claimed for
    // that many: the same work at every size, compared without any division
    const sameWork = Math.max(1, Math.floor(sizes.needle[0][0] / 100));
    out(`| tasks | task_runs | runs claimed | claim latency ms, median (range), warm connection | first claim of a session ms | ms per claimed run | latency ÷ smallest | per-run ÷ smallest | claim of ${fmt(sameWork)} at every size, ms median (range) | same claim ÷ smallest | claim statements planned | sequential scan of tasks or task_runs |`);
    out("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let baseline = null;
    const findings = [];
    for (const [tasks, runs] of sizes.needle) {
      log(`needle ${tasks} tasks, ${runs} runs`);
      await seedNeedle({ dbUrl: profile.dbUrl, adminDbUrl: profile.adminDbUrl, ownerId, tasks, runs, truncate: true });
      const m = await measureClaim({ dbUrl: profile.dbUrl, repetitions: 5 });
      const s = summarize(m.warm);
      const same = summarize((await measureClaim({ dbUrl: profile.dbUrl, limit: sameWork, repetitions: 5 })).warm);
      const plans = await hotPathPlans({ adminDbUrl: profile.adminDbUrl });
      const perRun = s.median / Math.max(1, m.claimed);
      baseline ??= { ms: s.median, perRun, same: same.median };
      out(`| ${fmt(tasks)} | ${fmt(runs)} | ${fmt(m.claimed)} | ${fmtSummary(s, 1)} | ${fmt(m.coldMs, 1)} | ${fmt(perRun, 3)} | ${fmt(s.median / baseline.ms, 2)} | ${fmt(perRun / baseline.perRun, 2)} | ${fmtSummary(same, 1)} | ${fmt(same.median / baseline.same, 2)} | ${plans.plans.length} | ${plans.seqScans.length ? "yes (below)" : "no"} |`);
      if (plans.seqScans.length) findings.push(`At ${fmt(tasks)} tasks and ${fmt(runs)} runs:\n\n\`\`\`\n${plans.seqScans.join("\n\n")}\n\`\`\``);
    }
    if (findings.length) out(`\n<details><summary>sequential scans in the claim's plans (auto_explain of every statement it runs)</summary>\n\n${findings.join("\n\n")}\n</details>`);
    // no clean-up: the next run starts from a fresh cluster, and deleting ten million
    // runs through their foreign keys would take longer than the workload itself
    out("");
  }
} finally {
  await stopStack(profile);
}

const header = [
  "# Benchmark results",
  "",
  `Produced by \`npm run bench${full ? " -- --full" : ""}\` on ${startedAt.toISOString()} (${full ? "full" : "quick"} run${only ? `, only ${[...only].join(", ")}` : ""}; ${reps} repetitions per drain and fan-out figure, 5 per needle figure, ${sizes.precisionReps} per precision row).`,
  "",
  `Machine: ${machineInfo}.`,
  "",
  `All systems run against the same PostgreSQL cluster (the bench profile, 127.0.0.1:${profile.dbPort}) in the same run; ratios are what to read, absolute figures move with the shared machine.`,
  "",
];
if (only) {
  // a partial run prints its tables and leaves bench/RESULTS.md as it is
  log([...header, ...lines].join("\n"));
} else {
  let body = [...header, ...lines, ...fs.readFileSync(path.join(repoRoot, "bench/NOTES.md"), "utf8").split("\n")].join("\n");
  // the kill test's figures come from its own run (`npm run bench -- kill`) and are kept
  const kept = fs.existsSync(resultsFile) ? killSectionOf(fs.readFileSync(resultsFile, "utf8")) : null;
  if (kept) body = withBlock(body, kept);
  fs.writeFileSync(resultsFile, body);
  log(body);
}
