// The dispatcher: pg_cron → pg_net → here, every minute, and whenever a write
// makes work due before the dispatcher would look (scheduler_internal.request_dispatch).
// It answers at once and works in EdgeRuntime.waitUntil. One invocation
// looks for due work for up to dispatch_loop_seconds: it claims what is due
// within the lookahead, hands each action's runs to its function in batches
// (hand-over.ts: the function answers 202 and starts each run at its second
// through the start gate; a refused batch is given back), asks the database
// when to claim next, and sleeps until then. The newest invocation takes over
// from an older one. See docs/dispatch.md.
import type { RunToExecute } from "../../../shared/contract.ts";
import type { ActionType } from "../../../shared/enums.ts";
import { requireServiceCaller } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import type { FunctionDeps } from "../_shared/deps.ts";
import { errorResponse, json, requirePost } from "../_shared/http.ts";
import { type ClaimedRow, handOver, type HandOverDeps, toRun } from "./hand-over.ts";

export interface DispatcherConfig {
  /** Runs per claim_due_runs call. */
  claimBatch: number;
  /** Runs per call to an action function. */
  actionBatch: number;
  /** Stop claiming in one round after this many runs; the next round goes on at once. */
  maxRunsPerRound: number;
  /** An action function answers at once; a call that takes longer than this is given up (its runs are given back). */
  actionCallTimeoutMs: number;
  /** Reap expired leases at most this often within one invocation. */
  reapEveryMs: number;
  /** How long to keep looking; unset, the dispatch_loop_seconds setting decides. */
  loopSeconds?: number;
  /** After a round fails, the wait before the next (doubling for each failure in a row, up to roundRetryMaxMs). */
  roundRetryMs: number;
  roundRetryMaxMs: number;
}

export const defaultConfig: DispatcherConfig = {
  claimBatch: 500,
  actionBatch: 250,
  maxRunsPerRound: 10_000,
  actionCallTimeoutMs: 15_000,
  reapEveryMs: 10_000,
  roundRetryMs: 500,
  roundRetryMaxMs: 5_000,
};

export interface DispatcherDeps extends FunctionDeps {
  functionsUrl: string;
  /** The function that takes each action's runs, when it is not named after the action (action-functions.ts). */
  actionFunctions?: Readonly<Record<string, string>>;
  /** Headers that authenticate this function to the action functions (the secret key). */
  serviceHeaders: Record<string, string>;
  dispatcherSecret: string;
  newId: () => string;
  /** The isolate's memory in bytes (V8 heap + external buffers), sampled for the tick's log line. */
  memory?: () => number;
  config?: Partial<DispatcherConfig>;
}

export interface TickSummary {
  invocation: string;
  reason: string;
  reaped: number;
  claimed: number;
  /** Runs handed to an action function that answered 202. */
  handed: number;
  /** Runs given back to the queue because their action function refused them or could not be reached. */
  givenBack: number;
  batches: number;
  rounds: number;
  /** Why the loop ended: nothing due before its deadline, a newer invocation took over, or the deadline. */
  ended: "idle" | "taken over" | "deadline";
  /** Highest memory sampled after each claim and each call, in MB, when deps.memory is given. */
  peakMemoryMb?: number;
  errors: string[];
}

const message = (err: unknown) => err instanceof Error ? err.message : String(err);

/** One dispatcher invocation's work. Exported so tests and benchmarks can await it. */
export async function tick(deps: DispatcherDeps, reason: string): Promise<TickSummary> {
  const config = { ...defaultConfig, ...deps.config };
  const invocation = `dispatcher:${deps.newId()}`;
  const started = deps.now().getTime();
  const summary: TickSummary = {
    invocation, reason, reaped: 0, claimed: 0, handed: 0, givenBack: 0, batches: 0, rounds: 0, ended: "idle", errors: [],
  };
  const noteError = (what: string, err: unknown) => {
    if (summary.errors.length < 10) summary.errors.push(`${what}: ${message(err)}`.slice(0, 500));
  };
  const sampleMemory = deps.memory
    ? () => summary.peakMemoryMb = Math.max(summary.peakMemoryMb ?? 0, Math.round(deps.memory!() / 2 ** 20))
    : () => {};
  const db = deps.db();
  const calls = new Set<Promise<void>>();

  const handOverDeps: HandOverDeps = {
    db, fetch: deps.fetch, now: deps.now, functionsUrl: deps.functionsUrl, actionFunctions: deps.actionFunctions,
    serviceHeaders: deps.serviceHeaders, callTimeoutMs: config.actionCallTimeoutMs,
  };

  // one worker token per round: a run given back and claimed again belongs to
  // the new round, so an action still holding the old claim cannot start it
  const send = (worker: string, action: ActionType, runs: RunToExecute[]) => {
    summary.batches++;
    const call = handOver(handOverDeps, worker, action, runs).then((result) => {
      sampleMemory();
      summary.handed += result.handed;
      summary.givenBack += result.givenBack;
      if (result.refused !== null) noteError(`${runs.length} ${action} runs given back`, result.refused);
      if (result.giveBackError !== undefined) noteError(`giving back ${action} runs`, result.giveBackError);
    });
    calls.add(call);
    call.finally(() => calls.delete(call));
  };

  try {
    const loop_seconds = config.loopSeconds ?? (await db.executeSql<{ loop_seconds: number }>(
      "select coalesce((scheduler_internal.setting('dispatch_loop_seconds'))::integer, 60) as loop_seconds",
    ))[0].loop_seconds;
    const until = new Date(started + loop_seconds * 1000);
    let lastReap = -Infinity;

    /**
     * One round under its own worker token: reap (at most every reapEveryMs),
     * claim all in reach, hand it over; what it claimed is handed over even
     * when a later statement of the round fails. Whether to plan (false: a
     * full round, go on at once).
     */
    const claimRound = async (worker: string): Promise<boolean> => {
      const pending = new Map<ActionType, RunToExecute[]>();
      try {
        const now = deps.now();
        if (now.getTime() - lastReap >= config.reapEveryMs) {
          lastReap = now.getTime();
          const reaped = await db.executeSql("select * from scheduler.reap_expired_leases($1::timestamptz)", [now.toISOString()]);
          summary.reaped += reaped.length;
        }
        let claimedThisRound = 0;
        for (;;) {
          const claimAt = deps.now();
          const rows = await db.executeSql<ClaimedRow>(
            "select * from scheduler.claim_due_runs($1, $2::timestamptz, null, $3, null)",
            [config.claimBatch, claimAt.toISOString(), worker],
          );
          sampleMemory();
          claimedThisRound += rows.length;
          summary.claimed += rows.length;
          for (const row of rows) {
            const list = pending.get(row.action_type) ?? [];
            list.push(toRun(row, claimAt));
            pending.set(row.action_type, list);
            if (list.length >= config.actionBatch) send(worker, row.action_type, list.splice(0));
          }
          // claim until nothing more is in reach: a claim advances each task
          // once, so a task due every few seconds has several occurrences in
          // the lookahead, and they belong in this round's calls (stopping at a
          // short claim made a round, and a call, per due second: 12 a minute
          // for a */5 s schedule in bench/). What another session held comes
          // back empty here and is retried shortly (plan_next_look says when)
          if (rows.length === 0 || claimedThisRound >= config.maxRunsPerRound) break;
        }
        return claimedThisRound < config.maxRunsPerRound;
      } finally {
        for (const [action, runs] of pending) if (runs.length > 0) send(worker, action, runs.splice(0));
      }
    };

    let failedRounds = 0;
    for (;;) {
      summary.rounds++;
      const worker = `${invocation}:${summary.rounds}`;
      let next: Date | string | null;
      try {
        if (!(await claimRound(worker))) continue;
        // the calls answer at once; what a function refused must be back in
        // the queue before the plan, or the plan would not see it as due
        await Promise.allSettled([...calls]);
        [{ next }] = await db.executeSql<{ next: Date | string | null }>(
          "select scheduler.plan_next_look($1, $2::timestamptz, $3::timestamptz) as next",
          [invocation, deps.now().toISOString(), until.toISOString()],
        );
        failedRounds = 0;
      } catch (err) {
        // a round that failed (a dropped connection, a deadlock victim, a
        // database restart) is tried again while the invocation lasts:
        // ending here would leave the plan row naming a looker that no
        // longer looks, and what fell due meanwhile to the watchdog or the
        // next tick. What the round claimed before it failed was still sent.
        await Promise.allSettled([...calls]);
        if (deps.now() >= until) throw err;
        failedRounds++;
        noteError(`round ${summary.rounds} failed`, err);
        await deps.sleep(Math.min(config.roundRetryMs * 2 ** (failedRounds - 1), config.roundRetryMaxMs));
        continue;
      }
      if (next === null) {
        summary.ended = deps.now() >= until ? "deadline" : await stillLooker(db, invocation) ? "idle" : "taken over";
        break;
      }
      const wait = new Date(next).getTime() - deps.now().getTime();
      if (wait > 0) await deps.sleep(wait);
    }
    await Promise.allSettled([...calls]);
    log(deps, summary, started);
    return summary;
  } catch (err) {
    noteError("tick failed", err);
    await Promise.allSettled([...calls]);
    log(deps, summary, started, "error");
    throw err;
  } finally {
    await db.close();
  }
}

/** After plan_next_look said stop: was it for want of work (this invocation was the looker) or because another took over? */
async function stillLooker(db: Db, invocation: string): Promise<boolean> {
  const [{ other }] = await db.executeSql<{ other: boolean }>(
    "select coalesce((select looker is not null and looker <> $1 from scheduler_internal.dispatcher_looks), false) as other",
    [invocation],
  );
  return !other;
}

/** One line per invocation, well under the platform's 10,000 characters. */
function log(deps: DispatcherDeps, summary: TickSummary, started: number, level: "info" | "error" = "info") {
  const line = { ...summary, ms: deps.now().getTime() - started };
  if (level === "error") deps.logger.error("tick failed", line);
  else if (summary.errors.length > 0) deps.logger.warn("tick done with errors", line);
  else deps.logger.info("tick done", line);
}

export function createHandler(deps: DispatcherDeps) {
  return async (req: Request): Promise<Response> => {
    try {
      requirePost(req);
      const caller = await requireServiceCaller(req, {
        ...deps.auth,
        dispatcherSecret: deps.dispatcherSecret,
        nowSeconds: Math.floor(deps.now().getTime() / 1000),
      });
      let reason = "tick";
      try {
        const body = await req.json();
        if (typeof body?.reason === "string") reason = body.reason.slice(0, 50);
      } catch { /* an empty body is a plain tick */ }
      deps.waitUntil(tick(deps, reason).catch(() => { /* logged in tick */ }));
      return json({ accepted: true, reason, caller }, 202);
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  };
}
