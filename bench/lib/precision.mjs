// Workload 4, tick precision (and workload 5, cost): N http tasks whose due
// seconds are spread across a minute, run by the real pipeline (pg_cron →
// pg_net → dispatcher → http function → local echo). Lateness is the run's
// start_time minus its scheduled_time. The same window gives the cost:
// function invocations, SQL statements and WAL bytes per 1,000 runs.
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { uuidArray } from "./task-ids.mjs";

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function countInvocations(gatewayLog, sinceMs, untilMs) {
  if (!fs.existsSync(gatewayLog)) return { dispatcher: 0, actions: 0 };
  let dispatcher = 0;
  let actions = 0;
  for (const line of fs.readFileSync(gatewayLog, "utf8").split("\n")) {
    if (!line.includes("/functions/v1/")) continue;
    const rec = JSON.parse(line);
    const t = Date.parse(rec.ts);
    if (t < sinceMs || t > untilMs) continue;
    if (rec.path === "/functions/v1/dispatcher") dispatcher++;
    else actions++;
  }
  return { dispatcher, actions };
}

export function dispatcherPeakMb() {
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("functions/dispatcher/index.ts")) {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) return Number(hwm[1]) / 1024;
      }
    } catch { /* process went away */ }
  }
  return null;
}

/** The dispatcher's own peak isolate memory (V8 heap + external, MB) over its ticks logged in the window. */
export function dispatcherIsolatePeakMb(logDir, sinceMs, untilMs = Date.now()) {
  const file = path.join(logDir, "functions", "dispatcher.log");
  if (!fs.existsSync(file)) return null;
  let peak = null;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.includes('"tick done"')) continue;
    const rec = JSON.parse(line);
    const t = Date.parse(rec.ts);
    if (t < sinceMs || t > untilMs || typeof rec.peakMemoryMb !== "number") continue;
    peak = Math.max(peak ?? 0, rec.peakMemoryMb);
  }
  return peak;
}

export async function tickPrecision({ dbUrl, adminDbUrl, apiUrl, logDir, ownerId, n, log = () => {} }) {
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    // the next minute boundary at least 10 s away, so the tick before it claims the lot
    const minute = new Date(Math.ceil((Date.now() + 10_000) / 60_000) * 60_000);
    const tasks = await sql`
      insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, timeout_seconds)
      select 'precision ' || g, 'http', ${sql.json({ url: `${apiUrl}/_local/echo`, method: "POST", body: { run: "{{run.id}}" } })},
        ${minute}::timestamptz + ((g - 1) * 60.0 / ${n}) * interval '1 second', ${ownerId}, 30
      from generate_series(1, ${n}) g
      returning id`;
    const taskIds = uuidArray(tasks);
    const [{ lsn: lsnBefore }] = await admin`select pg_current_wal_lsn() as lsn`;
    const [{ calls: callsBefore }] = await admin`select coalesce(sum(calls), 0)::bigint as calls from extensions.pg_stat_statements`;
    const since = Date.now();
    log(`  ${n} http tasks due across the minute from ${minute.toISOString()}`);
    const deadline = minute.getTime() + 150_000;
    for (;;) {
      const [{ done }] = await sql`
        select count(*)::int as done from scheduler.task_runs r
        where r.task_id = any (${taskIds}::uuid[]) and r.status in ('completed', 'failed')`;
      if (done >= n) break;
      if (Date.now() > deadline) throw new Error(`precision: only ${done} of ${n} runs finished by ${new Date(deadline).toISOString()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const until = Date.now();
    const [{ lsn: lsnAfter }] = await admin`select pg_current_wal_lsn() as lsn`;
    const [{ wal }] = await admin`select pg_wal_lsn_diff(${lsnAfter}, ${lsnBefore})::bigint as wal`;
    const [{ calls: callsAfter }] = await admin`select coalesce(sum(calls), 0)::bigint as calls from extensions.pg_stat_statements`;
    const rows = await sql`
      select extract(epoch from (r.start_time - r.scheduled_time)) * 1000 as late_ms, r.status::text as status
      from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id where t.owner_id = ${ownerId}`;
    const failed = rows.filter((r) => r.status !== "completed").length;
    const lateness = rows.map((r) => Number(r.late_ms)).sort((a, b) => a - b);
    const invocations = countInvocations(path.join(logDir, "gateway.log"), since, until);
    const perThousand = 1000 / n;
    return {
      runs: rows.length,
      failed,
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: lateness[lateness.length - 1],
      invocationsPer1000: (invocations.dispatcher + invocations.actions) * perThousand,
      invocations,
      statementsPer1000: Number(callsAfter - callsBefore) * perThousand,
      walBytesPer1000: Number(wal) * perThousand,
      dispatcherPeakMb: dispatcherPeakMb(),
      dispatcherIsolatePeakMb: dispatcherIsolatePeakMb(logDir, since, until + 5_000),
    };
  } finally {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
    await admin.end();
  }
}
