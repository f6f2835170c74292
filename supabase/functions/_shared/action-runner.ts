// The runner the three action functions share (docs/dispatch.md): it answers
// the dispatcher at once and does the work in EdgeRuntime.waitUntil. Each run
// is parsed on its own (a bad run is failed alone, never its batch); the runs
// are grouped by start instant (every run already due when the request
// arrives in one group: the gate then judges two overdue occurrences of a task
// in due order, where two racing gates could start the later and skip the
// earlier), each group waits for its own instant and asks
// the start gate (start_runs), which judges overlap, misfire, pause and
// cancellation at that moment; only the runs the gate started are executed,
// under one concurrency limit for the whole request; and each result goes to
// the recorder the moment its run ends. While runs it started are not yet
// recorded, the runner renews their leases every few seconds (the heartbeat,
// renew_leases), so a worker that dies is found out heartbeat_lease after it
// went quiet, whatever the runs' timeouts.
import type { z } from "zod";
import { ActionRequest, type ActionResult, payloadSchemas, RunToExecute } from "../../../shared/contract.ts";
import type { ActionType } from "../../../shared/enums.ts";
import { failedResult } from "./action-result.ts";
import { requireServiceCaller } from "./auth.ts";
import { createLimiter, executeRuns, type Limiter } from "./batch.ts";
import type { Db } from "./db.ts";
import type { FunctionDeps } from "./deps.ts";
import { errorResponse, json, readJson, requirePost } from "./http.ts";
import type { Logger } from "./logger.ts";
import { createRecorder, defaultRetryDelaysMs, logRunIds, type Recorder } from "./recorder.ts";

export interface RunnerDeps extends FunctionDeps {
  /** The waits before each new try of a failed start_runs or complete_runs call. */
  retryDelaysMs?: number[];
  /** A run starting later than this from now is not waited for (its lease gives it back). Default 120 s. */
  maxWaitMs?: number;
  /** How often the leases of the started runs are renewed (renew_leases). Default 5 s, a third of heartbeat_lease's default. */
  heartbeatMs?: number;
  /** Calls `beat` every `ms` until the returned stop is called. Default: setInterval. */
  every?: Every;
}

/** A repeating timer, injected so that tests beat by hand. */
export type Every = (ms: number, beat: () => Promise<void>) => () => void;

export const intervalTimer: Every = (ms, beat) => {
  const id = setInterval(() => void beat(), ms);
  return () => clearInterval(id);
};

export type PayloadOf<A extends ActionType> = z.output<(typeof payloadSchemas)[A]>;

/** A run that parsed, with its payload parsed by the action's schema (defaults applied). */
export type ValidRun<A extends ActionType> = Omit<RunToExecute, "payload"> & { payload: PayloadOf<A> };

/** What an executor gets besides its run: the request's database client and the worker whose runs these are. */
export interface ExecuteIo {
  db: Db;
  worker: string;
}

/**
 * A result the executor recorded itself, in the transaction that did the
 * run's work (the sql action: the call and complete_runs commit together).
 * The runner counts it and does not record it again.
 */
export interface RecordedResult {
  recorded: ActionResult;
}

export interface ActionDefinition<A extends ActionType> {
  action: A;
  /** How many runs of one request execute at once, across all its start instants. */
  concurrency: number;
  /**
   * Executes one run the gate started; a throw becomes a retryable failure
   * naming the crash. `io.worker` holds the run (its locked_by), for an
   * action that records more than its result (a watcher's poll, a sql call
   * recorded in its own transaction).
   */
  executeRun(run: ValidRun<A>, io: ExecuteIo): Promise<ActionResult | RecordedResult>;
}

export type ParsedRun<A extends ActionType> =
  | { ok: true; run: ValidRun<A> }
  /** run_id is null when the run has no usable id: then nothing can be recorded for it. */
  | { ok: false; run_id: string | null; message: string };

export type GateOutcome = "started" | "skipped" | "queued" | "cancelled" | "not_claimed";

export interface BatchSummary {
  worker: string;
  action: ActionType;
  runs: number;
  accepted: number;
  /** Not taken on: failed as invalid (recorded), or not recordable / not waited for (left to their leases). */
  rejected: number;
  groups: number;
  started: number;
  /** Runs the gate did not start, by its outcome. */
  not_started: Partial<Record<GateOutcome | "no_answer" | "gate_failed", number>>;
  completed: number;
  failed: number;
  /** Results complete_runs ignored (the run was no longer this worker's), and results it could not record. */
  ignored: number;
  unrecorded: number;
  flushes: number;
  largest_flush: number;
  /** From the request to the last flush. */
  ms: number;
  /** The latest a gate was asked after its group's instant. */
  max_start_delay_ms: number;
  max_gate_ms: number;
  max_run_ms: number;
  /** The first few failures, cut short. */
  failures: { run_id: string; error: string }[];
  /** Heartbeats sent (renew_leases calls), and those that failed (the next beat tries again). */
  heartbeats: number;
  heartbeats_failed: number;
}

const issuesText = (issues: readonly { path: readonly PropertyKey[]; message: string }[], root: string) =>
  issues.map((i) => `${i.path.map(String).join(".") || root}: ${i.message}`).join("; ").slice(0, 1_000);

const uuidOf = (raw: unknown): string | null => {
  const id = (raw as { run_id?: unknown } | null)?.run_id;
  return typeof id === "string" && RunToExecute.shape.run_id.safeParse(id).success ? id : null;
};

/** Parses one run of a request for `action`: the envelope of the run, its action type, then its payload. */
export function parseRun<A extends ActionType>(action: A, raw: unknown): ParsedRun<A> {
  const parsed = RunToExecute.safeParse(raw);
  if (!parsed.success) return { ok: false, run_id: uuidOf(raw), message: `invalid run: ${issuesText(parsed.error.issues, "run")}` };
  const run = parsed.data;
  if (run.action_type !== action) {
    return { ok: false, run_id: run.run_id, message: `invalid run: action_type: this is the ${action} function, the run is ${run.action_type}` };
  }
  const payload = payloadSchemas[action].safeParse(run.payload);
  if (!payload.success) return { ok: false, run_id: run.run_id, message: `invalid ${action} payload: ${issuesText(payload.error.issues, "payload")}` };
  return { ok: true, run: { ...run, payload: payload.data as PayloadOf<A> } };
}

/** The instant a run starts at: start_at, else its due time, to the millisecond. */
export const startInstant = (run: Pick<RunToExecute, "start_at" | "scheduled_time">) => Date.parse(run.start_at ?? run.scheduled_time);

const startRunsSql = "select * from scheduler.start_runs($1::uuid[], $2, $3::timestamptz)";
const renewLeasesSql = "select run_id from scheduler.renew_leases($1::uuid[], $2, $3::timestamptz)";
const maxFailuresLogged = 5;

async function retrying<T>(work: () => Promise<T>, delays: number[], sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= delays.length) throw err;
      await sleep(delays[attempt]);
    }
  }
}

export interface Batch {
  accepted: number;
  rejected: number;
  /** Settles when every group has ended and the last result is flushed; the db is closed by then. Never rejects. */
  done: Promise<BatchSummary>;
}

/** Takes on a request's runs: parses them, starts each group's wait and returns at once. */
export function startBatch<A extends ActionType>(definition: ActionDefinition<A>, deps: RunnerDeps, worker: string, raws: unknown[]): Batch {
  const t0 = deps.now().getTime();
  const delays = deps.retryDelaysMs ?? defaultRetryDelaysMs;
  const maxWaitMs = deps.maxWaitMs ?? 120_000;
  const summary: BatchSummary = {
    worker, action: definition.action, runs: raws.length, accepted: 0, rejected: 0, groups: 0, started: 0, not_started: {},
    completed: 0, failed: 0, ignored: 0, unrecorded: 0, flushes: 0, largest_flush: 0,
    ms: 0, max_start_delay_ms: 0, max_gate_ms: 0, max_run_ms: 0, failures: [], heartbeats: 0, heartbeats_failed: 0,
  };
  const notRecordable: string[] = [];
  const db = deps.db();
  const recorder: Recorder = createRecorder({ db, worker, now: deps.now, sleep: deps.sleep, logger: deps.logger, retryDelaysMs: delays, logFields: { action: definition.action } });
  const record = (result: ActionResult, alreadyRecorded = false) => {
    if (result.status === "completed") summary.completed++;
    else {
      summary.failed++;
      if (summary.failures.length < maxFailuresLogged) summary.failures.push({ run_id: result.run_id, error: (result.error_message ?? "").slice(0, 300) });
    }
    if (result.started_at && result.ended_at) {
      summary.max_run_ms = Math.max(summary.max_run_ms, Date.parse(result.ended_at) - Date.parse(result.started_at));
    }
    if (!alreadyRecorded) recorder.push(result);
  };
  const notStarted = (why: keyof BatchSummary["not_started"], n = 1) => summary.not_started[why] = (summary.not_started[why] ?? 0) + n;

  // the heartbeat: from the first start until the last result is recorded,
  // the leases of the started runs are renewed. A run the answer leaves out
  // is no longer this worker's (recorded, reaped or cancelled) and is not
  // renewed again. One beat at a time; a failed beat is logged and the next
  // one tries again (the lease outlasts two missed beats).
  const beating = new Set<string>();
  const heart: { stop: (() => void) | null; inFlight: Promise<void> | null } = { stop: null, inFlight: null };
  const beat = async () => {
    if (heart.inFlight || beating.size === 0) return;
    const ids = [...beating];
    heart.inFlight = (async () => {
      summary.heartbeats++;
      try {
        const rows = await db.executeSql<{ run_id: string }>(renewLeasesSql, [ids, worker, deps.now().toISOString()]);
        const renewed = new Set(rows.map((r) => r.run_id));
        for (const id of ids) if (!renewed.has(id)) beating.delete(id);
      } catch (err) {
        summary.heartbeats_failed++;
        deps.logger.warn("a heartbeat failed; the next one tries again", {
          action: definition.action, worker, runs: ids.length, error: String(err instanceof Error ? err.message : err).slice(0, 500),
        });
      }
    })();
    try {
      await heart.inFlight;
    } finally {
      heart.inFlight = null;
    }
  };
  const startBeating = (ids: string[]) => {
    for (const id of ids) beating.add(id);
    heart.stop ??= (deps.every ?? intervalTimer)(deps.heartbeatMs ?? 5_000, beat);
  };

  // parse each run alone; invalid ones are failed (not retryable) through the same recorder
  const groups = new Map<number, ValidRun<A>[]>();
  const seen = new Set<string>();
  for (const raw of raws) {
    const parsed = parseRun(definition.action, raw);
    if (parsed.ok && seen.has(parsed.run.run_id)) {
      summary.rejected++;
      notRecordable.push(`${parsed.run.run_id}: sent twice in one request (the first copy goes on)`);
      continue;
    }
    if (!parsed.ok) {
      summary.rejected++;
      if (parsed.run_id === null || seen.has(parsed.run_id)) notRecordable.push(`(run ${JSON.stringify((raw as { run_id?: unknown })?.run_id ?? null).slice(0, 60)}): ${parsed.message}`);
      else record(failedResult({ run_id: parsed.run_id }, parsed.message, { retryable: false, endedAt: deps.now() }));
      if (parsed.run_id) seen.add(parsed.run_id);
      continue;
    }
    seen.add(parsed.run.run_id);
    const at = Math.max(startInstant(parsed.run), t0);
    if (at - t0 > maxWaitMs) {
      // not its fault, and not this worker's to hold: its lease gives it back to the queue
      summary.rejected++;
      notRecordable.push(`${parsed.run.run_id}: starts ${Math.round((at - t0) / 1000)} s from now, beyond the ${maxWaitMs / 1000} s this function waits`);
      continue;
    }
    summary.accepted++;
    const group = groups.get(at) ?? [];
    group.push(parsed.run);
    groups.set(at, group);
  }
  summary.groups = groups.size;

  const limiter: Limiter = createLimiter(definition.concurrency);
  const runGroup = async (at: number, runs: ValidRun<A>[]) => {
    const wait = at - deps.now().getTime();
    if (wait > 0) await deps.sleep(wait);
    const gateAt = deps.now();
    summary.max_start_delay_ms = Math.max(summary.max_start_delay_ms, gateAt.getTime() - at);
    let rows: { run_id: string; outcome: GateOutcome; message: string | null }[];
    try {
      rows = await retrying(() => db.executeSql(startRunsSql, [runs.map((r) => r.run_id), worker, gateAt.toISOString()]), delays, deps.sleep);
    } catch (err) {
      // nothing was sent; the runs are still claimed and their leases give them back
      notStarted("gate_failed", runs.length);
      logRunIds(deps.logger, "the start gate failed; nothing was sent and the runs' leases will give them back", {
        action: definition.action, worker, tries: delays.length + 1, error: String(err instanceof Error ? err.message : err).slice(0, 500),
      }, runs.map((r) => r.run_id));
      return;
    } finally {
      summary.max_gate_ms = Math.max(summary.max_gate_ms, deps.now().getTime() - gateAt.getTime());
    }
    const outcomes = new Map(rows.map((r) => [r.run_id, r.outcome]));
    const started = runs.filter((r) => outcomes.get(r.run_id) === "started");
    summary.started += started.length;
    if (started.length) startBeating(started.map((r) => r.run_id));
    for (const run of runs) {
      const outcome = outcomes.get(run.run_id);
      if (outcome !== "started") notStarted(outcome ?? "no_answer");
    }
    const recordedHere = new Set<string>();
    await executeRuns(started, limiter, async (run) => {
      const out = await definition.executeRun(run, { db, worker });
      if ("recorded" in out) {
        recordedHere.add(out.recorded.run_id);
        return out.recorded;
      }
      return out;
    }, deps.now, (result) => record(result, recordedHere.has(result.run_id)));
  };

  const done = (async () => {
    const ended = await Promise.allSettled([...groups].sort(([a], [b]) => a - b).map(([at, runs]) => runGroup(at, runs)));
    for (const e of ended) {
      if (e.status === "rejected") deps.logger.error("a start group failed", { action: definition.action, worker, error: String(e.reason).slice(0, 500) });
    }
    await recorder.drain();
    heart.stop?.();
    await heart.inFlight;
    await db.close().catch((err) => deps.logger.error("could not close the database client", { error: String(err) }));
    const s = recorder.stats;
    Object.assign(summary, { ignored: s.ignored, unrecorded: s.lost, flushes: s.flushes, largest_flush: s.largestFlush, ms: deps.now().getTime() - t0 });
    logSummary(deps.logger, summary, notRecordable);
    return summary;
  })();

  return { accepted: summary.accepted, rejected: summary.rejected, done };
}

/**
 * One line per request. Its size is bounded by construction, far under the
 * platform's 10,000 characters per line: counts, a worker id of at most 200
 * characters, and at most five failures and five unrecordable runs of at most
 * 300 characters each.
 */
function logSummary(logger: Logger, summary: BatchSummary, notRecordable: string[]): void {
  const fields: Record<string, unknown> = { ...summary };
  if (notRecordable.length) fields.not_recorded = notRecordable.slice(0, maxFailuresLogged).map((m) => m.slice(0, 300));
  const level = summary.failed > 0 || summary.rejected > 0 || summary.unrecorded > 0 ? "warn" : "info";
  logger[level]("batch done", fields);
}

/** The HTTP handler of an action function: 405/401/400 as errors, else 202 {accepted, rejected} and the work in waitUntil. */
export function createActionHandler<A extends ActionType>(definition: ActionDefinition<A>, deps: RunnerDeps) {
  return async (req: Request): Promise<Response> => {
    try {
      requirePost(req);
      await requireServiceCaller(req, { ...deps.auth, nowSeconds: Math.floor(deps.now().getTime() / 1000) });
      const { worker, runs } = await readJson(req, ActionRequest);
      const batch = startBatch(definition, deps, worker, runs);
      deps.waitUntil(batch.done);
      return json({ accepted: batch.accepted, rejected: batch.rejected }, 202);
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  };
}
