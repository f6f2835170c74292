// Workload 4, tick precision (and workload 5, cost), through the real
// pipeline (pg_cron / the debounced wake → pg_net → dispatcher → http
// function → the gateway's echo), in three shapes:
//  - spread: one-off due times spread evenly across a minute, between the
//    ticks (what a calendar of reminders looks like);
//  - second-level: tasks on a sub-minute cron (`*/5 * * * * *`), measured
//    over a steady window;
//  - burst: 10,000 runs due at one second between ticks, the dispatcher's
//    worst case for memory (it claims and hands over all of them at once).
// Lateness is each started run's start_time − scheduled_time: start_time is
// set by the start gate (scheduler.start_runs) at the moment the action asked
// it, after waiting for the run's second. The same window gives the cost:
// function invocations (every gateway request to /functions/v1/*, the
// dispatcher's included), SQL statements and WAL bytes per 1,000 runs.
import postgres from "postgres";
import {
  countInvocations, dispatcherInvocations, runOutcomes, sampleFunctionProcesses, summarizeInvocations,
  waitForFinalRuns, waitForInvocationsToEnd,
} from "./pipeline.mjs";
import { uuidArray } from "./task-ids.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the second of the minute is within [from, to], so the write
 * that follows (which must be shorter than to − from… 60 s) starts and
 * commits in one minute. A write whose transaction starts before a minute
 * boundary and commits after that minute's tick has looked is not woken for
 * and waits for the next tick (scheduler_internal.request_dispatch judges "the next
 * tick claims it in time" at the transaction's start); the bench measures
 * the pipeline, not that race (see bench/NOTES.md, round 4).
 */
export async function withinMinute(from, to) {
  const second = (Date.now() % 60_000) / 1000;
  if (second >= from && second <= to) return;
  await sleep(((from - second + 60) % 60) * 1000);
}

/** Statement calls and WAL position, read before and after a window. */
async function costMark(admin) {
  const [{ lsn }] = await admin`select pg_current_wal_lsn() as lsn`;
  const [{ calls }] = await admin`select coalesce(sum(calls), 0)::bigint as calls from extensions.pg_stat_statements`;
  return { lsn, calls: Number(calls) };
}

async function costSince(admin, mark) {
  const now = await costMark(admin);
  const [{ wal }] = await admin`select pg_wal_lsn_diff(${now.lsn}, ${mark.lsn})::bigint as wal`;
  return { statements: now.calls - mark.calls, walBytes: Number(wal) };
}

/** The lookahead in force (the dispatch_lookahead setting), in seconds. */
export async function lookaheadSeconds(sql) {
  const [{ s }] = await sql`select extract(epoch from scheduler_internal.dispatch_lookahead())::float8 as s`;
  return Number(s);
}

/** Sets dispatch_lookahead (bench stack only); returns the previous value's text. */
export async function setLookahead(adminDbUrl, seconds) {
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ value }] = await admin`select value #>> '{}' as value from scheduler_internal.settings where key = 'dispatch_lookahead'`;
    await admin`update scheduler_internal.settings set value = to_jsonb(${`${seconds} seconds`}::text) where key = 'dispatch_lookahead'`;
    return value;
  } finally {
    await admin.end();
  }
}

function report({ outcomes, invocations, dispatcher, cost, processes, runsForCost, extra = {} }) {
  const per = 1000 / Math.max(1, runsForCost);
  return {
    ...outcomes,
    invocations,
    invocationsPer1000: invocations.total * per,
    dispatcher,
    statementsPer1000: cost.statements * per,
    walBytesPer1000: cost.walBytes * per,
    dispatcherIsolatePeakMb: dispatcher.isolatePeakMb,
    dispatcherProcessPeakMb: processes.peakMb,
    dispatcherProcesses: processes.processes,
    ...extra,
  };
}

/**
 * n one-off http tasks due evenly across `spreadSeconds`, starting `leadSeconds`
 * after they are written (not aligned to the minute, so the spread crosses a
 * tick). Invocations are counted from the write to the last run recorded.
 */
export async function spreadPrecision({ dbUrl, adminDbUrl, apiUrl, logDir, ownerId, n = 1000, spreadSeconds = 60, leadSeconds = 15, log = () => {} }) {
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  const processes = sampleFunctionProcesses({ name: "dispatcher", apiUrl });
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    await withinMinute(2, 45);
    const mark = await costMark(admin);
    const since = Date.now();
    const first = new Date(Math.ceil((since + leadSeconds * 1000) / 1000) * 1000);
    const tasks = await sql`
      insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, timeout_seconds)
      select 'precision ' || g, 'http', ${sql.json({ url: `${apiUrl}/_local/echo`, method: "POST", body: { run: "{{run.id}}" } })},
        ${first}::timestamptz + ((g - 1) * ${spreadSeconds}::float8 / ${n}) * interval '1 second', ${ownerId}, 30
      from generate_series(1, ${n}) g
      returning id`;
    const taskIds = uuidArray(tasks);
    log(`  ${n} one-off http tasks due across ${spreadSeconds} s from ${first.toISOString()}`);
    // generous: a run whose gate failed is given back after start_grace and claimed again
    await waitForFinalRuns(sql, taskIds, n, first.getTime() + spreadSeconds * 1000 + 180_000, { what: "spread" });
    const until = Date.now();
    const cost = await costSince(admin, mark);
    await waitForInvocationsToEnd(logDir, since, until);
    const outcomes = await runOutcomes(sql, taskIds);
    return report({
      outcomes, cost, runsForCost: n,
      invocations: countInvocations(logDir, since, until),
      dispatcher: summarizeInvocations(dispatcherInvocations(logDir, since, until)),
      processes: processes.stop(),
    });
  } finally {
    processes.stop();
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
    await admin.end();
  }
}

/**
 * `tasks` http tasks on a second-level cron, measured over a steady window of
 * `windowSeconds` that starts on a multiple of the cron's step at least
 * `warmupSeconds` after the tasks are written: the runs due in the window,
 * and the invocations the gateway saw in it.
 */
export async function secondLevelPrecision({
  dbUrl, adminDbUrl, apiUrl, logDir, ownerId, tasks: count = 100, everySeconds = 5, windowSeconds = 60, warmupSeconds = 15, log = () => {},
}) {
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  const processes = sampleFunctionProcesses({ name: "dispatcher", apiUrl });
  const cron = `*/${everySeconds} * * * * *`;
  let taskIds = "{}";
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    await withinMinute(2, 50);
    const tasks = await sql`
      insert into scheduler.tasks (name, action_type, action_payload, schedule_cron, owner_id, timeout_seconds)
      select 'second-level ' || g, 'http', ${sql.json({ url: `${apiUrl}/_local/echo`, method: "POST", body: { run: "{{run.id}}" } })},
        ${cron}, ${ownerId}, 30
      from generate_series(1, ${count}) g
      returning id`;
    taskIds = uuidArray(tasks);
    const step = everySeconds * 1000;
    const from = new Date(Math.ceil((Date.now() + warmupSeconds * 1000) / step) * step);
    const to = new Date(from.getTime() + windowSeconds * 1000);
    const expected = count * Math.round(windowSeconds / everySeconds);
    log(`  ${count} http tasks on '${cron}', measured from ${from.toISOString()} for ${windowSeconds} s (${expected} runs)`);
    await sleep(from.getTime() - Date.now());
    const mark = await costMark(admin);
    await sleep(to.getTime() - Date.now());
    const cost = await costSince(admin, mark);
    // paused: the runs after the window are cancelled at their gate, and nothing new is claimed
    await sql`update scheduler.tasks set is_active = false where id = any (${taskIds}::uuid[])`;
    await waitForFinalRuns(sql, taskIds, expected, to.getTime() + 60_000, { from, to, what: "second-level" });
    await waitForInvocationsToEnd(logDir, from.getTime(), to.getTime());
    const outcomes = await runOutcomes(sql, taskIds, { from, to });
    return report({
      outcomes, cost, runsForCost: outcomes.runs,
      invocations: countInvocations(logDir, from.getTime(), to.getTime()),
      dispatcher: summarizeInvocations(dispatcherInvocations(logDir, from.getTime(), to.getTime())),
      processes: processes.stop(),
      extra: { cron, tasks: count, expected },
    });
  } finally {
    processes.stop();
    await sql`update scheduler.tasks set is_active = false where id = any (${taskIds}::uuid[])`.catch(() => {});
    // what an action still holds past the window meets a paused task at its gate
    await sleep(2_000);
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
    await admin.end();
  }
}

/**
 * n one-off http tasks all due at one second between two ticks, `leadSeconds`
 * after the write starts (writing 10,000 tasks through their triggers takes
 * 5-15 s here, and the claim should still come a whole lookahead ahead): the
 * dispatcher claims and hands over all n in one round, so its isolate holds
 * every one of them at once.
 */
export async function burstPrecision({ dbUrl, adminDbUrl, apiUrl, logDir, ownerId, n = 10_000, leadSeconds = 30, log = () => {} }) {
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  const processes = sampleFunctionProcesses({ name: "dispatcher", apiUrl });
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    // written and due within one minute, between its ticks
    await withinMinute(2, 58 - leadSeconds);
    const mark = await costMark(admin);
    const since = Date.now();
    const at = Math.ceil((since + leadSeconds * 1000) / 1000) * 1000;
    const due = new Date(at);
    const tasks = await sql`
      insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, timeout_seconds)
      select 'burst ' || g, 'http', ${sql.json({ url: `${apiUrl}/_local/echo`, method: "POST", body: { run: "{{run.id}}" } })},
        ${due}::timestamptz, ${ownerId}, 30
      from generate_series(1, ${n}) g
      returning id`;
    const taskIds = uuidArray(tasks);
    log(`  ${n} one-off http tasks all due at ${due.toISOString()} (written in ${((Date.now() - since) / 1000).toFixed(1)} s)`);
    await waitForFinalRuns(sql, taskIds, n, at + 180_000, { what: "burst" });
    const until = Date.now();
    const cost = await costSince(admin, mark);
    await waitForInvocationsToEnd(logDir, since, until);
    const outcomes = await runOutcomes(sql, taskIds);
    return report({
      outcomes, cost, runsForCost: n,
      invocations: countInvocations(logDir, since, until),
      dispatcher: summarizeInvocations(dispatcherInvocations(logDir, since, until)),
      processes: processes.stop(),
      extra: { lastEndMs: until - at },
    });
  } finally {
    processes.stop();
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
    await admin.end();
  }
}
