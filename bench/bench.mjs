// The bench, loaded by bench/run.mjs: `npm run bench` (quick, about 20 minutes here) or `npm run bench -- --full` (about 65):
// our engine side by side with graphile-worker and pg-boss on the same
// PostgreSQL, in the same run, reported as medians, ranges and ratios in
// bench/RESULTS.md. Never part of `npm test` (bench/*.test.ts check the
// workloads' own correctness there, on small sizes). `-- --only fanout,precision`
// runs some workloads (idle, drain, fanout, precision, needle) and prints their
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
import { prepareDatabase, readServicesPid, startServices, stopServices, stopStack } from "../scripts/lib/stack.mjs";
import { drainBoss, drainGraphile, drainOurs } from "./lib/drain.mjs";
import { echoCeiling, fanoutBoss, fanoutGraphile, fanoutOurs, startEcho } from "./lib/fanout.mjs";
import { killReport, killRecovery, killSectionOf, withBlock, withKillSection, withNotes } from "./lib/kill.mjs";
import { hotPathPlans, measureClaim, seedNeedle } from "./lib/needle.mjs";
import { countInvocations, dispatcherInvocations, sampleFunctionProcesses, summarizeInvocations } from "./lib/pipeline.mjs";
import { burstPrecision, lookaheadSeconds, secondLevelPrecision, setLookahead, spreadPrecision } from "./lib/precision.mjs";
import { fmt, fmtSummary, repeat, summarize } from "./lib/stats.mjs";
import { postmasterPid, prepareCostMeters, startCpuMeter, startDbMeter } from "./lib/cost.mjs";
import { idleCost } from "./lib/idle.mjs";
import { capacityModel } from "./lib/capacity.mjs";
import { ensureNginx, receiverCeiling, startNginx } from "./lib/receiver.mjs";

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
  // the real minute tick with nothing due
  idleMinutes: full ? 10 : 3,
};

function freshDatabase(name) {
  psql(profile, { sql: `drop database if exists ${name} with (force)` });
  psql(profile, { sql: `create database ${name} owner postgres` });
  return profile.dbUrl.replace(/\/postgres$/, `/${name}`);
}

// the cost meter of one database (bench/lib/cost.mjs), started by a workload at its timed window
const dbMeter = (dbUrl) => () => startDbMeter({ adminDbUrl: profile.adminDbUrl, dbUrl, dbName: new URL(dbUrl).pathname.slice(1) });
// …and with the CPU seconds of the database's processes and of the system's own
// (`roots`: process trees; `self`: this process, where the peers run)
const cpuAndDbMeter = (dbUrl, { roots = [], self = false }) => async () => {
  const db = await dbMeter(dbUrl)();
  const cpuDb = startCpuMeter({ roots: [postmasterPid(profile.dataDir)] });
  const cpuSystem = startCpuMeter({ roots, self });
  return {
    async end() {
      const dbCpu = cpuDb.end();
      const systemCpu = cpuSystem.end();
      return { ...(await db.end()), dbCpu, systemCpu };
    },
  };
};
const costs = {}; // workload → system → [cost of each repetition]
const keep = (workload, name, r) => { ((costs[workload] ??= {})[name] ??= []).push(r.cost); return r.perSecond; };
const med = (xs) => summarize(xs);

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
await prepareCostMeters(profile.adminDbUrl);
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
const capacityInputs = {};

const history = "What each keeps: ours keeps every run's row in scheduler.task_runs (state, times, attempts, output) until prune-history removes it after the retention setting; graphile-worker deletes a job's row when it succeeds (no history of successes); pg-boss 12 keeps a completed job in pgboss.job (state completed, its output) until its maintenance deletes it, 7 days after completion by default (deleteAfterSeconds).";

function drainCostTable(n, byName) {
  out(`DB cost of the same drains (${fmt(n)} jobs, ${reps} repetitions each, medians with their range), per 1,000 jobs: DB time is pg_stat_statements' execution + planning time of the top-level statements in the system's own database (track_planning on; the bench's own polling for the end left out); WAL is pg_current_wal_lsn() before and after (the whole cluster: the bench stack's minute tick and autovacuum land in it too) and the part pg_walinspect attributes to the system's database (full-page images in brackets). ${history}`);
  out("");
  out("| system | DB time ms / 1,000 jobs | of which planning | statements / 1,000 jobs | WAL bytes / 1,000 jobs (cluster) | WAL bytes / 1,000 jobs in its database (of which full-page images) | ours ÷ system, DB time | ours ÷ system, WAL |");
  out("|---|---|---|---|---|---|---|---|");
  const per = (c, v) => v * 1000 / (c.jobs ?? n);
  const rows = Object.entries(byName).map(([name, cs]) => ({
    name, cs,
    db: summarize(cs.map((c) => per(c, c.dbMs))),
    plan: summarize(cs.map((c) => per(c, c.planMs))),
    st: summarize(cs.map((c) => per(c, c.statements))),
    wal: summarize(cs.map((c) => per(c, c.walBytes))),
    dbWal: summarize(cs.map((c) => per(c, c.dbWalBytes))),
    fpi: summarize(cs.map((c) => per(c, c.dbFpiBytes))),
  }));
  const ours = rows[0];
  for (const r of rows) {
    out(`| ${r.name} | ${fmtSummary(r.db, 1)} | ${fmt(r.plan.median, 1)} | ${fmt(r.st.median, 1)} | ${fmtSummary(r.wal)} | ${fmt(r.dbWal.median)} (${fmt(r.fpi.median)}) | ${fmt(ours.db.median / r.db.median, 2)}× | ${fmt(ours.wal.median / r.wal.median, 2)}× |`);
  }
  capacityInputs.drainDbMsPerRun = ours.db.median / 1000;
  capacityInputs.drainWalPerRun = ours.wal.median / 1000;
  out("");
  out("<details><summary>rows written per job, by table (pg_stat_user_tables) and index (b-tree insert records pg_walinspect finds), and WAL bytes per job by relation: the last repetition of each</summary>");
  out("");
  for (const r of rows) {
    const c = r.cs[r.cs.length - 1];
    const jobs = c.jobs ?? n;
    out(`**${r.name}**`);
    out("");
    out("| relation | inserted / job | updated / job (of which HOT) | deleted / job | index entries / job | WAL bytes / job (full-page images) |");
    out("|---|---|---|---|---|---|");
    const tables = new Map(c.tables.map((t) => [t.name, t]));
    const rels = [...c.relations].sort((a, b) => b.bytes - a.bytes);
    const names = [...new Set([...c.tables.map((t) => t.name), ...rels.map((x) => x.name)])];
    const relBy = new Map(rels.map((x) => [x.name, x]));
    names.sort((a, b) => (relBy.get(b)?.bytes ?? 0) - (relBy.get(a)?.bytes ?? 0));
    for (const name of names.slice(0, 20)) {
      const t = tables.get(name);
      const x = relBy.get(name);
      out(`| ${name}${x?.kind === "i" ? " (index)" : ""} | ${t ? fmt(t.ins / jobs, 2) : ""} | ${t ? `${fmt(t.upd / jobs, 2)} (${fmt(t.hot / jobs, 2)})` : ""} | ${t ? fmt(t.del / jobs, 2) : ""} | ${x?.kind === "i" ? fmt(x.indexInserts / jobs, 2) : ""} | ${x ? `${fmt(x.bytes / jobs)} (${fmt(x.fpi / jobs)})` : ""} |`);
    }
    out("");
  }
  out("</details>");
  out("");
}

function idleSection(r) {
  out("## 6. Idle cost per day: the stack with no due work, through the real minute tick");
  out("");
  out(`Measured over ${fmt(r.seconds)} s and scaled to a day (× ${fmt(r.perDay, 1)}); pg_cron jobs that ran in the window: ${r.cronJobs}. Statements are top-level pg_stat_statements calls in every database of the cluster (pg_cron's own bookkeeping included); CPU from /proc/<pid>/stat of the database's processes and of the services process tree (gateway, pg_net worker, Deno functions).`);
  out("");
  out("| per day | ticks | pg_cron runs (cron.job_run_details rows) | SQL statements | WAL bytes | net._http_response rows | function invocations | DB CPU s | functions + pg_net CPU s |");
  out("|---|---|---|---|---|---|---|---|---|");
  out(`| ours | ${fmt(r.ticks)} | ${fmt(r.cronRuns)} | ${fmt(r.statements)} | ${fmt(r.walBytes)} | ${fmt(r.httpResponses)} | ${fmt(r.invocations)} | ${fmt(r.dbCpuSeconds)} | ${fmt(r.functionsCpuSeconds)} |`);
  out(`| pgflow's published model (not run here): \`pgflow.ensure_workers()\` every second from pg_cron, plus long-lived workers | 86,400 | 86,400 (+ 24 of its hourly log clean-up) | ≥ 86,400 (one ensure_workers statement a run, before the workers' own polls and heartbeats) | not published | up to 14,400 per worker function (a ping through pg_net at most every heartbeat_timeout_seconds, 6 by default, and only while none of its workers is alive) | as many pings, plus the workers that stay alive, poll the queue and heartbeat | not published | not published |`);
  out("");
  out(`Ours ÷ pgflow's model, per day: ${fmt(r.cronRuns / 86_400, 4)}× the pg_cron runs, ${fmt(r.ticks / 86_400, 4)}× the ticks.`);
  out("");
  capacityInputs.idleWalPerDay = r.walBytes;
}

try {
  // 6. idle cost, first: on the fresh, quiet stack
  if (wanted("idle")) {
    log(`idle ${sizes.idleMinutes} minutes`);
    const r = await idleCost({
      adminDbUrl: profile.adminDbUrl, logDir: profile.logDir, minutes: sizes.idleMinutes, log,
      roots: { db: [postmasterPid(profile.dataDir)], functions: [readServicesPid(profile)].filter(Boolean) },
    });
    idleSection(r);
  }

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
      const oursName = `ours (claim_due_runs + start_runs + complete_runs, ${workers} connections, batch 1,000)`;
      results[oursName] = summarize(await repeat(reps, async () =>
        keep("drain", oursName, await drainOurs({ dbUrl: profile.dbUrl, ownerId, n, workers, batch: 1000, meter: dbMeter(profile.dbUrl) }))));
      for (const batching of [false, true]) {
        const name = `graphile-worker 0.18, concurrency 16, batching ${batching ? "on" : "off"}`;
        results[name] = summarize(await repeat(reps, async (i) => {
          const dbUrl = freshDatabase(`bench_gw_${batching ? "b" : "n"}_${i}`);
          return keep("drain", name, await drainGraphile({ dbUrl, n, batching, meter: dbMeter(dbUrl) }));
        }));
      }
      for (const batchSize of [1, 100]) {
        // one job per fetch, with pg-boss's 0.5 s minimum polling interval, runs at a few dozen jobs/s:
        // its rate is measured on at most 1,000 jobs so the quick run stays quick (see the note below)
        const jobs = batchSize === 1 ? Math.min(n, 1000) : n;
        const name = `pg-boss 12, batchSize ${batchSize}${jobs !== n ? ` (rate over ${fmt(jobs)} jobs)` : ""}`;
        results[name] = summarize(await repeat(reps, async (i) => {
          const dbUrl = freshDatabase(`bench_boss_${batchSize}_${i}`);
          return keep("drain", name, { ...(await drainBoss({ dbUrl, n: jobs, batchSize, meter: dbMeter(dbUrl) })), jobs });
        }));
        for (const c of costs.drain[name]) c.jobs = jobs;
      }
      const ours = Object.values(results)[0].median;
      for (const [name, s] of Object.entries(results)) out(`| ${fmt(n)} | ${name} | ${fmtSummary(s)} | ${fmt(ours / s.median, 2)}× |`);
      out("");
      drainCostTable(n, costs.drain);
      costs.drain = {};
    }
    out("");
  }

  // 2. HTTP fan-out
  if (wanted("fanout")) {
    out("## 2. HTTP fan-out: due HTTP jobs against a loopback receiver");
    out("");
    // nginx (static 200) when it can be installed, so the receiver is not what is measured
    const nginx = ensureNginx(log);
    let echo;
    let receiverNote;
    if (nginx.bin) {
      echo = await startNginx(nginx.bin, echoPort);
      receiverNote = "nginx from Debian's packages (nginx-light), one worker process, a static `return 200` on loopback";
    } else {
      echo = { ...(await startEcho(echoPort)), kind: "node" };
      receiverNote = `**the Node echo server: nginx could not be installed (${nginx.why}), so the ratios below may measure the receiver**`;
    }
    try {
      const n = 10_000;
      log(`fan-out ${n} (receiver: ${echo.kind})`);
      const ceiling = summarize(await repeat(reps, () => echo.kind === "nginx" ? receiverCeiling(echo.url, n * 2) : echoCeiling(echo.url, n)));
      // fresh function processes, so the dispatcher's high-water mark is this workload's alone
      await stopServices(profile);
      await startServices(profile);
      const processes = sampleFunctionProcesses({ name: "dispatcher", apiUrl: profile.apiUrl });
      await fanoutOurs({ dbUrl: profile.dbUrl, ownerId, url: echo.url, n: 1000 }); // warm-up of the fresh functions, not counted
      const fanSince = Date.now();
      const servicesRoots = () => [readServicesPid(profile)].filter(Boolean);
      const oursName = "ours (pg_net → dispatcher → http function, gateway, calls of 250 runs, 64 in flight per call)";
      const gwName = "graphile-worker 0.18, concurrency 64, batching on";
      const bossName = "pg-boss 12, batchSize 100, 4 local workers";
      const oursRuns = summarize(await repeat(reps, async () =>
        keep("fanout", oursName, await fanoutOurs({ dbUrl: profile.dbUrl, ownerId, url: echo.url, n, meter: cpuAndDbMeter(profile.dbUrl, { roots: servicesRoots() }) }))));
      const fanUntil = Date.now();
      const fan = {
        [oursName]: oursRuns,
        [gwName]: summarize(await repeat(reps, async (i) => {
          const dbUrl = freshDatabase(`bench_fan_gw_${i}`);
          return keep("fanout", gwName, await fanoutGraphile({ dbUrl, url: echo.url, n, meter: cpuAndDbMeter(dbUrl, { self: true }) }));
        })),
        [bossName]: summarize(await repeat(reps, async (i) => {
          const dbUrl = freshDatabase(`bench_fan_boss_${i}`);
          return keep("fanout", bossName, await fanoutBoss({ dbUrl, url: echo.url, n, meter: cpuAndDbMeter(dbUrl, { self: true }) }));
        })),
      };
      const proc = processes.stop();
      const d = summarizeInvocations(dispatcherInvocations(profile.logDir, fanSince, fanUntil));
      const inv = countInvocations(profile.logDir, fanSince, fanUntil);
      out(`Receiver: ${receiverNote}. Its ceiling, ${echo.kind === "nginx" ? `driven by ${Math.max(2, os.cpus().length)} Node load processes with 32 keep-alive POSTs in flight each (a lower bound: they share the cores with it)` : "64 concurrent POSTs from Node"}: ${fmtSummary(ceiling)} requests/s. Dispatcher with ${fmt(n)} runs due at once, over ${reps} such wakes: isolate peak ${mb(d.isolatePeakMb)} MB (V8 heap + external buffers, as the dispatcher samples it, over ${d.invocations} invocations), ${mb(proc.peakMb)} MB resident at most for a whole Deno process of it (VmHWM over the ${proc.processes} dispatcher process${proc.processes === 1 ? "" : "es"} of the run, warm-up included; the runtime alone is about 60 MB at boot); ${fmt(inv.total * 1000 / (reps * n), 1)} invocations per 1,000 runs (${inv.dispatcher} dispatcher, ${inv.actions} http); ${d.givenBack} runs given back, ${d.errors} errors.`);
      out("");
      out("CPU seconds per 1,000 delivered jobs: the database cluster's processes (postmaster and every backend, from /proc/<pid>/stat utime + stime, reaped children included) plus the system's own: for ours the services process tree (gateway, pg_net worker, Deno function processes), for the peers this bench process, where they run (its polling for the end of a run included). The receiver's processes are not counted.");
      out("");
      out("| jobs | system | jobs/s, median (range) | fraction of the receiver ceiling | ours ÷ system, jobs/s | CPU s / 1,000 jobs: database + system = total, median (range of totals) | system ÷ ours, CPU per job | DB time ms / 1,000 jobs | WAL bytes / 1,000 jobs |");
      out("|---|---|---|---|---|---|---|---|---|");
      const ours = Object.values(fan)[0].median;
      const per1000 = (name, f) => summarize(costs.fanout[name].map((c, i) => f(c) * 1000 / n));
      const oursCpu = per1000(oursName, (c) => c.dbCpu + c.systemCpu).median;
      for (const [name, s] of Object.entries(fan)) {
        const db = per1000(name, (c) => c.dbCpu);
        const sys = per1000(name, (c) => c.systemCpu);
        const total = per1000(name, (c) => c.dbCpu + c.systemCpu);
        out(`| ${fmt(n)} | ${name} | ${fmtSummary(s)} | ${fmt(s.median / ceiling.median, 2)} | ${fmt(ours / s.median, 2)}× | ${fmt(db.median, 2)} + ${fmt(sys.median, 2)} = ${fmtSummary(total, 2)} | ${fmt(total.median / oursCpu, 2)}× | ${fmt(per1000(name, (c) => c.dbMs).median, 1)} | ${fmt(per1000(name, (c) => c.walBytes).median)} |`);
      }
      capacityInputs.fanoutCpuPer1000 = oursCpu;
      capacityInputs.fanoutDbCpuPer1000 = per1000(oursName, (c) => c.dbCpu).median;
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

// 7. the capacity model on paper, from this run's per-run costs
if (capacityInputs.drainDbMsPerRun) {
  const cpuMs = capacityInputs.fanoutDbCpuPer1000 ? Math.max(capacityInputs.drainDbMsPerRun, capacityInputs.fanoutDbCpuPer1000) : capacityInputs.drainDbMsPerRun;
  const model = capacityModel({ dbCpuMsPerRun: cpuMs, walBytesPerRun: capacityInputs.drainWalPerRun });
  out("## 7. Capacity model on paper: due runs per minute each Supabase compute size can carry");
  out("");
  out(`From this run: ${fmt(cpuMs, 3)} ms of database CPU per run (the larger of the drain's DB time per job, ${fmt(capacityInputs.drainDbMsPerRun, 3)} ms, and the HTTP fan-out's database CPU per delivered job${capacityInputs.fanoutDbCpuPer1000 ? `, ${fmt(capacityInputs.fanoutDbCpuPer1000, 3)} ms` : ", not measured in this run"}) and ${fmt(capacityInputs.drainWalPerRun)} WAL bytes per run (the drain's). Assumed: the scheduler may use half the cores (a shared core counted as half a core) and half the baseline disk throughput, and WAL costs twice its bytes in disk writes (once to the WAL, once at checkpoint). Disk limits are Supabase's published baseline figures (supabase.com/docs/guides/troubleshooting/interpreting-supabase-grafana-io-charts-MUynDR); the burst limits (261-594 MB/s) last minutes, not hours. Cores are Supabase's compute add-ons.`);
  out("");
  out("| size | cores | baseline disk MB/s (IOPS) | runs / minute by DB CPU | runs / minute by WAL | carried | bottleneck |");
  out("|---|---|---|---|---|---|---|");
  for (const m of model) out(`| ${m.name} | ${m.cores}${m.shared ? " shared ARM" : ""} | ${m.mbps} (${fmt(m.iops)}) | ${fmt(m.byCpu)} | ${fmt(m.byIo)} | ${fmt(m.carried)} | ${m.bottleneck} |`);
  out("");
  out("Read with bench/NOTES.md (\"Capacity beyond the database\"): the edge invocations and pg_net limits that come next, and what to do beyond one instance.");
  out("");
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
