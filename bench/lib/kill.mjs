// The crash-recovery kill test: a steady second-level http workload against
// a loopback receiver, and the dispatcher, the services process (gateway,
// every function worker, the pg_net worker) and PostgreSQL killed in turn
// (SIGKILL), each while runs are in flight, in each quarter of the minute in
// turn (the tick at :00 included). After each kill the killed part
// is brought back at once, as a platform would, and the kill is timed until
// the scheduler is whole again. At the end every occurrence is judged by what
// the receiver saw and what the database recorded:
//  - recovery: from the kill until (a) an occurrence due after the kill was
//    delivered and (b) every run that was claimed or running at the kill has
//    a final record for its occurrence (its retries included); target < 60 s;
//  - idempotency keys (webhook-id) per occurrence at the receiver: target 1;
//  - occurrences the receiver got whose last record is `failed`: target 0;
//  - final-failure notifications for occurrences the receiver got: target 0.
// Used by `npm run bench -- kill` (20 kills, bench/RESULTS.md) and, with a few
// kills, by tests/e2e/crash-recovery.test.ts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import postgres from "postgres";
import { startCluster } from "../../scripts/lib/cluster.mjs";
import { readServicesPid, startServices } from "../../scripts/lib/stack.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const finalStates = new Set(["completed", "failed", "cancelled", "skipped"]);

/** A receiver that keeps every delivery and answers each after `holdMs`. */
export async function startReceiver({ port = 0, holdMs }) {
  const deliveries = [];
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let parsed = {};
      try {
        parsed = JSON.parse(body);
      } catch { /* counted as it is */ }
      const d = { at: Date.now(), key: String(req.headers["webhook-id"] ?? ""), ...parsed, answered: false };
      deliveries.push(d);
      inFlight++;
      setTimeout(() => {
        inFlight--;
        if (res.destroyed) return;
        d.answered = true;
        res.writeHead(200).end("ok");
      }, holdMs);
    });
    req.on("error", () => {});
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    deliveries,
    get inFlight() {
      return inFlight;
    },
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Every pid of the profile's cluster: the postmaster and its children. */
function clusterPids(profile) {
  const pidFile = path.join(profile.dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return [];
  const postmaster = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  let children = [];
  try {
    children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" }).split("\n").map(Number).filter(Boolean);
  } catch { /* no children */ }
  return [postmaster, ...children];
}

// a killed process whose parent has not reaped it yet (npm test's runner waits
// in spawnSync while vitest runs) is a zombie: it answers signal 0 but is gone
const alive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").pop().split(" ")[0] !== "Z";
  } catch {
    return true;
  }
};

/** SIGKILL of PostgreSQL (postmaster and every backend at once), then a start, which runs crash recovery. */
async function killPostgres(profile) {
  const pids = clusterPids(profile);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  const deadline = Date.now() + 30_000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  // a dead postmaster its parent has not reaped yet (a zombie) still passes
  // pg_ctl's status check, which would take the cluster for running
  if (!pids.some(alive)) {
    try {
      fs.rmSync(path.join(profile.dataDir, "postmaster.pid"), { force: true });
    } catch { /* not ours to remove: pg_ctl decides */ }
  }
  for (;;) {
    try {
      if (startCluster(profile)) return pids.length;
      throw new Error("pg_ctl took the killed cluster for running");
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/** SIGKILL of the services process group (gateway, every Deno worker, the pg_net worker), then a start. */
async function killServices(profile) {
  const pid = readServicesPid(profile);
  if (pid) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      process.kill(pid, "SIGKILL");
    }
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    // startServices takes a pid that answers signal 0 (a zombie does) for a running process
    fs.rmSync(profile.pidFile, { force: true });
  }
  await startServices(profile);
  return pid ? 1 : 0;
}

/** Whatever a kill left down is started again, so a failed run leaves a whole stack behind. */
async function ensureUp(profile) {
  if (!clusterPids(profile).some(alive)) {
    try {
      startCluster(profile);
    } catch { /* reported by what fails next */ }
  }
  const pid = readServicesPid(profile);
  if (pid && !alive(pid)) fs.rmSync(profile.pidFile, { force: true });
  await startServices(profile).catch(() => {});
}

async function killDispatcher(profile) {
  const res = await fetch(`${profile.apiUrl}/_local/kill/dispatcher`, { method: "POST" });
  return (await res.json()).killed.length;
}

const killers = { dispatcher: killDispatcher, services: killServices, postgres: killPostgres };

/** A query that waits out a database being restarted. */
async function retrying(fn, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs the kill test against a running stack (`profile`). `leaseMargin`
 * (an interval text) replaces the lease_margin setting for the run and is
 * put back after; null keeps the setting.
 */
export async function killRecovery({
  profile, kills = 20, kinds = ["dispatcher", "services", "postgres"], tasks = 10, cron = "*/15 * * * * *",
  holdMs = 1500, timeoutSeconds = 10, leaseMargin = null, receiverPort = 0, recoveryCapMs = 300_000, log = () => {},
}) {
  const receiver = await startReceiver({ port: receiverPort, holdMs });
  const sql = postgres(profile.adminDbUrl, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  const started = Date.now();
  let taskIds = [];
  let ownerId = null;
  let marginBefore = null;
  try {
    [{ value: marginBefore }] = await sql`select value from scheduler_internal.settings where key = 'lease_margin'`;
    if (leaseMargin) await sql`update scheduler_internal.settings set value = to_jsonb(${leaseMargin}::text) where key = 'lease_margin'`;
    const [{ value: margin }] = await sql`select value from scheduler_internal.settings where key = 'lease_margin'`;
    const [{ value: startGrace }] = await sql`select value from scheduler_internal.settings where key = 'start_grace'`;
    // what bounds a dead worker's wait (the heartbeat) and a dead dispatcher's (the watchdog's schedule)
    const [heartbeat] = await sql`select value from scheduler_internal.settings where key = 'heartbeat_lease'`;
    const [watchdog] = await sql`select schedule from cron.job where jobname = 'scheduler-watchdog'`;
    const extra = { heartbeatLease: heartbeat?.value ?? null, watchdog: watchdog?.schedule ?? null };
    [{ id: ownerId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`kill-${Date.now()}@bench.local`}) returning id`;
    const payload = {
      url: `${receiver.url}/hook`, method: "POST",
      body: { task: "{{task.id}}", run: "{{run.id}}", attempt: "{{run.attempt}}", due: "{{run.scheduled_time}}" },
    };
    const rows = await sql`
      insert into scheduler.tasks (name, type, action_type, action_payload, schedule_cron, owner_id, created_by, timeout_seconds, max_attempts, retry_backoff_seconds)
      select 'kill test ' || i, 'scheduled', 'http', ${sql.json(payload)}, ${cron}, ${ownerId}, ${ownerId}, ${timeoutSeconds}, 3, 1
      from generate_series(1, ${tasks}) i
      returning id`;
    taskIds = rows.map((r) => r.id);
    log(`kill test: ${tasks} tasks on \`${cron}\`, receiver holds each call ${holdMs} ms, lease_margin ${margin}, heartbeat_lease ${extra.heartbeatLease ?? "none"}, start_grace ${startGrace}, watchdog ${extra.watchdog ?? "none"}`);

    // steady state first: every task delivered at least once
    const warmDeadline = Date.now() + 120_000;
    while (new Set(receiver.deliveries.map((d) => d.task)).size < tasks) {
      if (Date.now() > warmDeadline) throw new Error(`kill test: only ${new Set(receiver.deliveries.map((d) => d.task)).size} of ${tasks} tasks were delivered within 120 s`);
      await sleep(200);
    }

    const perKill = [];
    for (let i = 0; i < kills; i++) {
      const kind = kinds[i % kinds.length];
      // each kill in the next quarter of the minute in turn (:00 is the minute's
      // tick, when a dead dispatcher is replaced last), then mid-tick: while
      // calls are open at the receiver (and the next runs wait in the http
      // worker for their second), a moment into them that moves with each kill
      const quarter = (i % 4) * 15_000;
      const untilQuarter = (quarter - (Date.now() % 60_000) + 60_000) % 60_000;
      await sleep(Math.max(0, untilQuarter - 300));
      const midDeadline = Date.now() + 60_000;
      while (receiver.inFlight === 0 && Date.now() < midDeadline) await sleep(10);
      await sleep((i * 37) % Math.max(1, Math.floor(holdMs * 0.6)));
      const caught = await retrying(() => sql`
        select id::text as id, coalesce(idempotency_key, id::text) as key, status::text as status
        from scheduler.task_runs where task_id = any(${taskIds}::uuid[]) and status in ('claimed', 'running')`);
      const killAt = Date.now();
      const openAtReceiver = receiver.inFlight;
      const processes = await killers[kind](profile);
      const restartedAt = Date.now();
      const keys = [...new Set(caught.map((r) => r.key))];
      const caughtIds = new Set(caught.map((r) => r.id));
      let backAt = null;
      let settledAt = keys.length ? null : killAt;
      while ((backAt === null || settledAt === null) && Date.now() - killAt < recoveryCapMs) {
        if (backAt === null) {
          // a first attempt that was not yet claimed at the kill: dispatch works again
          const d = receiver.deliveries.find((x) => x.at > killAt && Number(x.attempt) === 1 && !caughtIds.has(x.run) && Date.parse(x.due) > killAt);
          if (d) backAt = d.at;
        }
        if (settledAt === null) {
          const open = await retrying(() => sql`
            select count(*)::int as n from scheduler.task_runs
            where coalesce(idempotency_key, id::text) = any(${keys}::text[]) and status not in ('completed', 'failed', 'cancelled', 'skipped')`).catch(() => [{ n: 1 }]);
          if (open[0].n === 0) settledAt = Date.now();
        }
        await sleep(250);
      }
      const row = {
        n: i + 1, kind, processes, at: new Date(killAt).toISOString(), openAtReceiver,
        claimed: caught.filter((r) => r.status === "claimed").length, running: caught.filter((r) => r.status === "running").length,
        restartS: (restartedAt - killAt) / 1000,
        backS: backAt === null ? null : (backAt - killAt) / 1000,
        settledS: settledAt === null ? null : (settledAt - killAt) / 1000,
      };
      row.recoveryS = row.backS === null || row.settledS === null ? null : Math.max(row.backS, row.settledS);
      perKill.push(row);
      log(`kill ${row.n}/${kills} ${kind}: ${row.claimed} claimed + ${row.running} running caught, ${openAtReceiver} open at the receiver; back after ${row.backS ?? "—"} s, settled after ${row.settledS ?? "—"} s`);
      // a short breath at steady state before the next kill
      await sleep(2_000);
    }

    // every occurrence due up to now is judged once its runs are final
    const cutoff = new Date();
    const drainDeadline = Date.now() + recoveryCapMs;
    let unsettled = 0;
    for (;;) {
      [{ n: unsettled }] = await retrying(() => sql`
        select count(*)::int as n from scheduler.task_runs r
        where r.task_id = any(${taskIds}::uuid[]) and r.status not in ('completed', 'failed', 'cancelled', 'skipped')
          and coalesce(r.idempotency_key, r.id::text) in (
            select f.id::text from scheduler.task_runs f where f.task_id = any(${taskIds}::uuid[]) and f.attempt = 1 and f.scheduled_time <= ${cutoff})`);
      if (unsettled === 0 || Date.now() > drainDeadline) break;
      await sleep(500);
    }
    await sql`update scheduler.tasks set is_active = false where id = any(${taskIds}::uuid[])`;

    const runs = await sql`
      select id::text as id, task_id::text as task_id, attempt, status::text as status, coalesce(idempotency_key, id::text) as key,
             scheduled_time, error_message
      from scheduler.task_runs where task_id = any(${taskIds}::uuid[]) order by attempt`;
    const notes = await sql`
      select run_id::text as run_id from scheduler.notifications where task_id = any(${taskIds}::uuid[]) and type = 'error' and run_id is not null`;
    return judge({ runs, notes, receiver, cutoff, perKill, unsettled, started, tasks, cron, holdMs, timeoutSeconds, margin, leaseMarginGiven: Boolean(leaseMargin), startGrace, extra });
  } finally {
    await ensureUp(profile);
    if (taskIds.length) await retrying(() => sql`update scheduler.tasks set is_active = false where id = any(${taskIds}::uuid[])`).catch(() => {});
    // a PostgreSQL crash resets the cumulative statistics autovacuum decides by,
    // so the tables are vacuumed and analyzed here (its deleted rows gone)
    // rather than whenever autovacuum notices
    // (a later test of plans on stale statistics failed after this one)
    if (ownerId) await retrying(() => sql`delete from auth.users where id = ${ownerId}`, { timeoutMs: 30_000 }).catch(() => {});
    await retrying(() => sql`vacuum (analyze) scheduler.tasks, scheduler.task_runs`, { timeoutMs: 30_000 }).catch(() => {});
    if (leaseMargin && marginBefore !== null) {
      await retrying(() => sql`update scheduler_internal.settings set value = ${sql.json(marginBefore)} where key = 'lease_margin'`).catch(() => {});
    }
    await sql.end({ timeout: 5 });
    await receiver.close();
  }
}

/** The figures, from the runs, the receiver's deliveries and the notifications. */
function judge({ runs, notes, receiver, cutoff, perKill, unsettled, started, tasks, cron, holdMs, timeoutSeconds, margin, leaseMarginGiven, startGrace, extra = {} }) {
  const chains = new Map(); // key → runs, attempt order
  for (const r of runs) {
    if (!chains.has(r.key)) chains.set(r.key, []);
    chains.get(r.key).push(r);
  }
  const occurrenceOf = (key) => {
    const first = chains.get(key)?.[0];
    return first ? `${first.task_id} ${new Date(first.scheduled_time).toISOString()}` : null;
  };
  const judged = new Set([...chains.keys()].filter((k) => new Date(chains.get(k)[0].scheduled_time) <= cutoff));
  const received = new Map(); // key → deliveries
  for (const d of receiver.deliveries) {
    if (!received.has(d.key)) received.set(d.key, []);
    received.get(d.key).push(d);
  }
  const unknownKeys = [...received.keys()].filter((k) => !chains.has(k)).length;
  const keysByOccurrence = new Map();
  // a key whose first run is a retry is a retry sent under a key of its own: its
  // occurrence then reached the receiver under two keys
  const ownKeyRetries = [...received.keys()].filter((k) => chains.has(k) && chains.get(k)[0].attempt > 1).length;
  for (const key of received.keys()) {
    const occ = occurrenceOf(key);
    if (!occ || !judged.has(key)) continue;
    if (!keysByOccurrence.has(occ)) keysByOccurrence.set(occ, new Set());
    keysByOccurrence.get(occ).add(key);
  }
  const deliveredKeys = [...keysByOccurrence.values()].flatMap((s) => [...s]);
  const lastOf = (key) => chains.get(key).at(-1);
  const deliveredFailed = deliveredKeys.filter((k) => lastOf(k).status === "failed");
  const deliveredNotFinal = deliveredKeys.filter((k) => !finalStates.has(lastOf(k).status));
  const deliveredRunIds = new Set(receiver.deliveries.map((d) => d.run));
  const attemptsDeliveredButFailed = runs.filter((r) => r.status === "failed" && deliveredRunIds.has(r.id)).length;
  const deliveredRunsOfKeys = new Set(deliveredKeys.flatMap((k) => chains.get(k).map((r) => r.id)));
  const falseNotifications = notes.filter((n) => deliveredRunsOfKeys.has(n.run_id)).length;
  const resends = deliveredKeys.reduce((s, k) => s + received.get(k).length - 1, 0);
  const firsts = runs.filter((r) => r.attempt === 1 && new Date(r.scheduled_time) <= cutoff);
  const skipped = firsts.filter((r) => r.status === "skipped");
  const skipReasons = {};
  for (const r of skipped) {
    const reason = (r.error_message ?? "skipped").replace(/[0-9a-f-]{36}/g, "…").replace(/\d{4}-\d\d-\d\d[ T][\d:.+]+/g, "…").slice(0, 90);
    skipReasons[reason] = (skipReasons[reason] ?? 0) + 1;
  }
  const recoveries = perKill.map((k) => k.recoveryS);
  const byKind = {};
  for (const k of perKill) {
    byKind[k.kind] ??= [];
    byKind[k.kind].push(k.recoveryS);
  }
  return {
    setup: { tasks, cron, holdMs, timeoutSeconds, leaseMargin: margin, leaseMarginGiven, startGrace, heartbeatLease: extra.heartbeatLease ?? null, watchdog: extra.watchdog ?? null, minutes: (Date.now() - started) / 60_000 },
    perKill,
    recovery: {
      medianS: median(recoveries.filter((x) => x !== null)),
      maxS: recoveries.includes(null) ? null : Math.max(...recoveries),
      notRecovered: recoveries.filter((x) => x === null).length,
      over60: recoveries.filter((x) => x === null || x >= 60).length,
      byKind: Object.fromEntries(Object.entries(byKind).map(([k, xs]) => [k, {
        medianS: median(xs.filter((x) => x !== null)), maxS: xs.includes(null) ? null : Math.max(...xs),
      }])),
    },
    occurrences: {
      judged: judged.size, delivered: keysByOccurrence.size, unsettledAtEnd: unsettled,
      maxKeysPerOccurrence: Math.max(ownKeyRetries ? 2 : 0, ...[...keysByOccurrence.values()].map((s) => s.size)),
      occurrencesWithSeveralKeys: [...keysByOccurrence.values()].filter((s) => s.size > 1).length + ownKeyRetries,
      resendsUnderTheSameKey: resends,
      deliveredRecordedFailed: deliveredFailed.length,
      deliveredNotFinal: deliveredNotFinal.length,
      attemptsDeliveredButFailed,
      falseNotifications,
      unknownKeys,
      firstAttemptsSkipped: skipped.length,
      skipReasons,
      deliveredFailedExamples: deliveredFailed.slice(0, 3).map((k) => chains.get(k).map((r) => `${r.attempt} ${r.status}: ${r.error_message ?? ""}`.slice(0, 200))),
      resendExamples: deliveredKeys.filter((k) => received.get(k).length > 1).slice(0, 3)
        .map((k) => received.get(k).map((d) => `attempt ${d.attempt} (run ${String(d.run).slice(-12)}) at ${new Date(d.at).toISOString().slice(11, 23)}${d.answered ? "" : ", cut off"}`)),
    },
  };
}

const s = (x) => (x === null || x === undefined ? "—" : (Math.round(x * 10) / 10).toFixed(1));

/** The markdown section bench/RESULTS.md carries. */
export function killReport(r, { command, when, variant }) {
  const o = r.occurrences;
  const ok = (cond) => (cond ? "met" : "**missed**");
  const lines = [
    `## 6. Crash recovery: the kill test, ${variant ?? "default settings"}`,
    "",
    `Produced by \`${command}\` on ${when} (${s(r.setup.minutes)} minutes). ${r.setup.tasks} http tasks on \`${r.setup.cron}\` (timeout_seconds ${r.setup.timeoutSeconds}, max_attempts 3, overlap \`skip\`) against a loopback receiver that holds each call ${r.setup.holdMs} ms; lease_margin ${r.setup.leaseMargin}, ${r.setup.heartbeatLease ? `heartbeat_lease ${r.setup.heartbeatLease}, ` : ""}start_grace ${r.setup.startGrace}${r.setup.watchdog ? `, pg_cron job scheduler-watchdog on \`${r.setup.watchdog}\`` : ""}. Each kill is a SIGKILL while calls are open at the receiver: the dispatcher's workers (\`/_local/kill/dispatcher\`), the services process group (gateway, every function worker, the pg_net worker), or PostgreSQL (postmaster and every backend); the killed part is started again at once. Recovery is from the kill until an occurrence due after it (and not claimed before it) was delivered **and** every run claimed or running at the kill has a final record for its occurrence; the first includes the wait for the next due time (up to one period of the schedule).`,
    "",
    "| figure | target | measured | |",
    "|---|---|---|---|",
    `| recovery after a kill, median / max | < 60 s | ${s(r.recovery.medianS)} s / ${s(r.recovery.maxS)} s (${r.recovery.over60} of ${r.perKill.length} kills at 60 s or more${r.recovery.notRecovered ? `, ${r.recovery.notRecovered} not recovered within the cap` : ""}) | ${ok(r.recovery.over60 === 0)} |`,
    `| idempotency keys per occurrence at the receiver, max | 1 | ${o.maxKeysPerOccurrence} (${o.occurrencesWithSeveralKeys} occurrences with more than one, of ${o.delivered} delivered) | ${ok(o.maxKeysPerOccurrence <= 1)} |`,
    `| delivered occurrences whose last record is \`failed\` | 0 | ${o.deliveredRecordedFailed} | ${ok(o.deliveredRecordedFailed === 0)} |`,
    `| final-failure notifications for delivered occurrences | 0 | ${o.falseNotifications} | ${ok(o.falseNotifications === 0)} |`,
    "",
    `Also measured: ${o.resendsUnderTheSameKey} resends under a key the receiver had already seen (a run whose outcome was unknown, retried with the same key: a receiver that keeps webhook-ids drops them); ${o.attemptsDeliveredButFailed} delivered attempts recorded \`failed\` whose occurrence went on to a later attempt; ${o.deliveredNotFinal} delivered occurrences not final at the end, ${o.unsettledAtEnd} runs still open at the end; ${o.unknownKeys} keys the database does not know; ${o.firstAttemptsSkipped} of ${o.judged} occurrences skipped${Object.keys(o.skipReasons).length ? ` (${Object.entries(o.skipReasons).map(([k, v]) => `${v}× "${k}"`).join("; ")})` : ""}.`,
    "",
    `Recovery by kind, median / max: ${Object.entries(r.recovery.byKind).map(([k, v]) => `${k} ${s(v.medianS)} / ${s(v.maxS)} s`).join("; ")}.`,
    "",
    "| kill | what | at second of the minute | runs claimed / running at the kill | calls open at the receiver | restarted after s | delivering again after s | caught runs final after s | recovery s |",
    "|---|---|---|---|---|---|---|---|---|",
    ...r.perKill.map((k) => `| ${k.n} | ${k.kind} | ${s((Date.parse(k.at) % 60_000) / 1000)} | ${k.claimed} / ${k.running} | ${k.openAtReceiver} | ${s(k.restartS)} | ${s(k.backS)} | ${s(k.settledS)} | ${s(k.recoveryS)} |`),
  ];
  if (o.resendExamples?.length) {
    lines.push("", "Keys the receiver got more than once, each delivery:", "", ...o.resendExamples.map((c) => `- ${c.join("; ")}`));
  }
  if (o.deliveredFailedExamples.length) {
    lines.push("", "Delivered occurrences recorded failed, their attempts:", "", ...o.deliveredFailedExamples.map((c) => `- ${c.join(" → ")}`));
  }
  return lines.join("\n");
}

// Each configuration (the lease_margin it ran with) has its own section, so a
// run with another lease_margin adds to the figures instead of replacing them.
const startMarker = (variant) => `<!-- kill test (${variant}): written by \`npm run bench -- kill\`, kept by the other runs -->`;
const endMarker = (variant) => `<!-- end of the kill test (${variant}) -->`;
const anyStart = "<!-- kill test (";
const anyEnd = "<!-- end of the kill test (";

/** Every kill-test section of a bench/RESULTS.md text, markers included, or null. */
export function killSectionOf(results) {
  const at = results.indexOf(anyStart);
  const last = results.lastIndexOf(anyEnd);
  if (at < 0 || last < at) return null;
  const end = results.indexOf("-->", last) + 3;
  return results.slice(at, end);
}

/** `results` with the section of `variant` replaced by `section`, or added after the others (before the notes). */
export function withKillSection(results, section, variant) {
  const block = `${startMarker(variant)}\n${section}\n${endMarker(variant)}`;
  const at = results.indexOf(startMarker(variant));
  const end = results.indexOf(endMarker(variant));
  if (at >= 0 && end > at) return results.slice(0, at) + block + results.slice(end + endMarker(variant).length);
  const others = killSectionOf(results);
  if (others) {
    const after = results.indexOf(others) + others.length;
    return `${results.slice(0, after)}\n\n${block}${results.slice(after)}`;
  }
  return withBlock(results, block);
}

/** `results` with `block` (whole kill-test sections, markers included) before the notes. */
export function withBlock(results, block) {
  const old = killSectionOf(results);
  if (old) return results.replace(old, () => block);
  const notes = results.indexOf("\n## How to read this");
  return notes >= 0 ? `${results.slice(0, notes)}\n${block}\n${results.slice(notes)}` : `${results}\n${block}\n`;
}

/** `results` with its notes (from "## How to read this" on) replaced by `notes` (bench/NOTES.md). */
export function withNotes(results, notes) {
  const at = results.indexOf("\n## How to read this");
  return at >= 0 ? `${results.slice(0, at + 1)}${notes}` : `${results}\n${notes}`;
}
