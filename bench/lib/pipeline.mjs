// What the live pipeline workloads (fan-out, precision, burst) read back from
// the local stack: the gateway's request log (invocations), the dispatcher's
// "tick done" lines (its isolate peak and what each invocation did), and the
// resident high-water mark of the dispatcher's Deno processes. The gateway
// models the Edge Runtime's worker limits (a worker retires at half its wall
// clock and is killed at all of it), so one workload can see several
// dispatcher processes and several invocations; each readout says how many.
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../scripts/lib/profile.mjs";

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function jsonLines(file) {
  if (!fs.existsSync(file)) return [];
  const out = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* a line cut short by a running writer */ }
  }
  return out;
}

/** Gateway requests to /functions/v1/<name> in [sinceMs, untilMs), by function: every one is an invocation. */
export function countInvocations(logDir, sinceMs, untilMs) {
  const byFunction = {};
  for (const rec of jsonLines(path.join(logDir, "gateway.log"))) {
    if (rec.msg !== "request" || typeof rec.path !== "string" || !rec.path.startsWith("/functions/v1/")) continue;
    const t = Date.parse(rec.ts);
    if (t < sinceMs || t >= untilMs) continue;
    const name = rec.path.slice("/functions/v1/".length).split("/")[0];
    byFunction[name] = (byFunction[name] ?? 0) + 1;
  }
  const total = Object.values(byFunction).reduce((a, b) => a + b, 0);
  return { total, dispatcher: byFunction.dispatcher ?? 0, actions: total - (byFunction.dispatcher ?? 0), byFunction };
}

/**
 * The dispatcher invocations that ran during [sinceMs, untilMs), from their
 * one end-of-invocation line ("tick done", "tick done with errors" or "tick
 * failed"), whose ts is the end and ts − ms the start.
 */
export function dispatcherInvocations(logDir, sinceMs, untilMs) {
  const ticks = [];
  for (const rec of jsonLines(path.join(logDir, "functions", "dispatcher.log"))) {
    if (typeof rec.msg !== "string" || !/^tick (done|failed)/.test(rec.msg)) continue;
    const end = Date.parse(rec.ts);
    const start = end - (typeof rec.ms === "number" ? rec.ms : 0);
    if (end < sinceMs || start >= untilMs) continue;
    ticks.push({ ...rec, start, end });
  }
  return ticks;
}

/** What the invocations in the window did, summed, and the isolate's peak over them. */
export function summarizeInvocations(ticks) {
  const ended = {};
  let peak = null;
  const sum = (k) => ticks.reduce((a, t) => a + (typeof t[k] === "number" ? t[k] : 0), 0);
  for (const t of ticks) {
    ended[t.ended ?? "failed"] = (ended[t.ended ?? "failed"] ?? 0) + 1;
    if (typeof t.peakMemoryMb === "number") peak = Math.max(peak ?? 0, t.peakMemoryMb);
  }
  return {
    invocations: ticks.length,
    isolatePeakMb: peak,
    claimed: sum("claimed"),
    handed: sum("handed"),
    givenBack: sum("givenBack"),
    rounds: sum("rounds"),
    batches: sum("batches"),
    errors: ticks.reduce((a, t) => a + (Array.isArray(t.errors) ? t.errors.length : 0), 0),
    firstErrors: ticks.flatMap((t) => Array.isArray(t.errors) ? t.errors : []).slice(0, 3),
    ended,
    workers: new Set(ticks.map((t) => t.worker)).size,
  };
}

/**
 * Waits (bounded) until every dispatcher request the gateway passed on in
 * [sinceMs, untilMs) has logged its end, so the window's isolate peak is read
 * from all of them: an invocation keeps looking for up to
 * dispatch_loop_seconds and logs only when it stops.
 */
export async function waitForInvocationsToEnd(logDir, sinceMs, untilMs, timeoutMs = 75_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const asked = countInvocations(logDir, sinceMs, untilMs).dispatcher;
    const ended = dispatcherInvocations(logDir, sinceMs, untilMs).filter((t) => t.start >= sinceMs - 1_000).length;
    if (ended >= asked || Date.now() > deadline) return { asked, ended };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Samples the VmHWM (resident high-water mark) of every Deno process of one
 * function of this checkout's stack at `apiUrl` (other checkouts' stacks run
 * on the same machine) every `everyMs` until stopped. VmHWM only grows, so
 * the last sample of each process is its peak; a process killed between two
 * samples loses at most what it grew since the last one.
 */
export function sampleFunctionProcesses({ name = "dispatcher", apiUrl, everyMs = 500 }) {
  const entry = `${repoRoot}/supabase/functions/${name}/index.ts`;
  const seen = new Map(); // pid -> VmHWM MB
  const sample = () => {
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!cmd.includes(entry)) continue;
        const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
        if (!env.includes(`SUPABASE_URL=${apiUrl}`)) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        if (hwm) seen.set(pid, Math.max(seen.get(pid) ?? 0, Number(hwm[1]) / 1024));
      } catch { /* the process went away */ }
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const peaks = [...seen.values()];
      return { peakMb: peaks.length ? Math.max(...peaks) : null, processes: peaks.length };
    },
  };
}

/**
 * Every run's outcome, and two latenesses of the runs the gate started:
 * start_time − scheduled_time (start_time is the instant the action asked the
 * start gate, after waiting for the run's second), and when the request
 * reached the receiver − scheduled_time (the gateway's echo answers with its
 * received_at, which the http action keeps in the run's output): the second
 * adds the gate's own round trip and the wait for a free lane of the action's
 * concurrency limit.
 */
export async function runOutcomes(sql, taskIds, { from = null, to = null } = {}) {
  const rows = await sql`
    select r.status::text as status,
      extract(epoch from (r.start_time - r.scheduled_time)) * 1000 as late_ms,
      extract(epoch from (substring(r.output ->> 'body' from '"received_at":"([^"]+)"')::timestamptz - r.scheduled_time)) * 1000 as received_ms
    from scheduler.task_runs r
    where r.task_id = any (${taskIds}::uuid[])
      and (${from}::timestamptz is null or r.scheduled_time >= ${from}::timestamptz)
      and (${to}::timestamptz is null or r.scheduled_time < ${to}::timestamptz)`;
  const byStatus = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const late = rows.filter((r) => (r.status === "completed" || r.status === "failed") && r.late_ms !== null)
    .map((r) => Number(r.late_ms)).sort((a, b) => a - b);
  const received = rows.filter((r) => r.received_ms !== null).map((r) => Number(r.received_ms)).sort((a, b) => a - b);
  return {
    received: { runs: received.length, p50: percentile(received, 50), p99: percentile(received, 99), max: received.length ? received[received.length - 1] : null },
    runs: rows.length,
    byStatus,
    started: late.length,
    failed: byStatus.failed ?? 0,
    notStarted: rows.length - late.length,
    p50: percentile(late, 50),
    p99: percentile(late, 99),
    max: late.length ? late[late.length - 1] : null,
  };
}

/** Waits until `expected` runs of the tasks (in the window) have reached a final state. */
export async function waitForFinalRuns(sql, taskIds, expected, deadlineMs, { from = null, to = null, what = "runs" } = {}) {
  for (;;) {
    const [{ done }] = await sql`
      select count(*)::int as done from scheduler.task_runs r
      where r.task_id = any (${taskIds}::uuid[]) and r.status in ('completed', 'failed', 'skipped', 'cancelled')
        and (${from}::timestamptz is null or r.scheduled_time >= ${from}::timestamptz)
        and (${to}::timestamptz is null or r.scheduled_time < ${to}::timestamptz)`;
    if (done >= expected) return done;
    if (Date.now() > deadlineMs) throw new Error(`${what}: only ${done} of ${expected} runs finished by ${new Date(deadlineMs).toISOString()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
