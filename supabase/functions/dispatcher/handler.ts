// The dispatcher: pg_cron → pg_net → here, every minute (and at once for
// manual runs, events and approvals). It answers at once and works in
// EdgeRuntime.waitUntil: reaps expired leases, claims due runs in batches
// (including those due within the coming minute, which the actions start at
// their due second), fans each batch out to its action function in one call,
// and records every outcome with one complete_runs call per batch. Work past
// this invocation's budget is handed to a follow-up invocation.
import { ActionResponse, type ActionResult, type ActionType, type RunToExecute } from "../../../shared/contract.ts";
import { type CallerCheck, requireServiceCaller } from "../_shared/auth.ts";
import type { DbFactory } from "../_shared/db.ts";
import { errorResponse, json, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";

export interface DispatcherConfig {
  /** Runs per claim_due_runs call. */
  claimBatch: number;
  /** Runs per call to an action function. */
  actionBatch: number;
  /** Claim runs due within this many seconds; the actions wait for each run's second. */
  lookaheadSeconds: number;
  /** Stop claiming after this long and hand the rest to a follow-up invocation. */
  budgetMs: number;
  /** Stop claiming after this many runs in one invocation, likewise. */
  maxRunsPerInvocation: number;
  /**
   * Claim more only while fewer runs than this are out at the action
   * functions: bounds the dispatcher's memory and the receivers' concurrency,
   * and leaves runs unclaimed (for follow-ups) rather than queued in memory.
   */
  maxRunsInFlight: number;
}

export const defaultConfig: DispatcherConfig = {
  claimBatch: 500,
  actionBatch: 250,
  lookaheadSeconds: 60,
  budgetMs: 40_000,
  maxRunsPerInvocation: 10_000,
  maxRunsInFlight: 1_000,
};

export interface DispatcherDeps {
  db: DbFactory;
  fetch: typeof fetch;
  now: () => Date;
  logger: Logger;
  waitUntil: (work: Promise<unknown>) => void;
  auth: Omit<CallerCheck, "nowSeconds">;
  functionsUrl: string;
  serviceRoleKey: string;
  dispatcherSecret: string;
  newId: () => string;
  /** The isolate's memory in bytes (V8 heap + external buffers), sampled for the tick's log line. */
  memory?: () => number;
  config?: Partial<DispatcherConfig>;
}

interface ClaimedRow {
  run_id: string;
  task_id: string;
  attempt: number;
  scheduled_time: Date | string;
  triggered_by: string;
  timeout_seconds: number;
  action_type: ActionType;
  action_payload: unknown;
  inputs: Record<string, unknown> | null;
  task: RunToExecute["task"];
  steps: RunToExecute["steps"];
}

export interface TickSummary {
  invocation: string;
  reaped: number;
  claimed: number;
  completed: number;
  failed: number;
  batches: number;
  followUp: boolean;
  /** Highest memory sampled after each claim and each finished batch, in MB, when deps.memory is given. */
  peakMemoryMb?: number;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function toRun(row: ClaimedRow, now: Date): RunToExecute {
  const scheduled = iso(row.scheduled_time);
  return {
    run_id: row.run_id,
    task_id: row.task_id,
    attempt: row.attempt,
    scheduled_time: scheduled,
    triggered_by: row.triggered_by,
    timeout_seconds: row.timeout_seconds,
    action_type: row.action_type,
    payload: row.action_payload,
    inputs: row.inputs ?? {},
    task: row.task,
    steps: row.steps ?? [],
    ...(Date.parse(scheduled) > now.getTime() ? { start_at: scheduled } : {}),
  };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One dispatcher invocation's work. Exported so tests and benchmarks can await it. */
export async function tick(deps: DispatcherDeps, reason: string): Promise<TickSummary> {
  const config = { ...defaultConfig, ...deps.config };
  const invocation = `dispatcher:${deps.newId()}`;
  const started = deps.now().getTime();
  const summary: TickSummary = { invocation, reaped: 0, claimed: 0, completed: 0, failed: 0, batches: 0, followUp: false };
  const db = deps.db();
  const inflight: Promise<void>[] = [];
  const sampleMemory = deps.memory
    ? () => summary.peakMemoryMb = Math.max(summary.peakMemoryMb ?? 0, Math.round(deps.memory!() / 2 ** 20))
    : () => {};
  let runsInFlight = 0;
  let roomFreed: () => void = () => {};
  const waitForRoom = async () => {
    while (runsInFlight > 0 && runsInFlight + config.claimBatch > config.maxRunsInFlight) {
      await new Promise<void>((resolve) => roomFreed = resolve);
    }
  };

  const record = async (results: ActionResult[]) => {
    await db.executeSql("select * from public.complete_runs($1::text::jsonb, $2::timestamptz)", [JSON.stringify(results), deps.now().toISOString()]);
    for (const r of results) {
      if (r.status === "completed") summary.completed++;
      else {
        summary.failed++;
        deps.logger.warn("run failed", { invocation, run_id: r.run_id, error: r.error_message, retryable: r.retryable });
      }
    }
  };

  const sendBatch = async (action: ActionType, runs: RunToExecute[]) => {
    summary.batches++;
    let results: ActionResult[];
    const failAll = (message: string): ActionResult[] =>
      runs.map((r) => ({ run_id: r.run_id, status: "failed", retryable: true, error_message: message, ended_at: deps.now().toISOString() }));
    try {
      const res = await deps.fetch(`${deps.functionsUrl}/${action}`, {
        method: "POST",
        headers: { authorization: `Bearer ${deps.serviceRoleKey}`, "content-type": "application/json" },
        body: JSON.stringify({ runs }),
        signal: AbortSignal.timeout((config.lookaheadSeconds + Math.max(...runs.map((r) => r.timeout_seconds)) + 30) * 1000),
      });
      const text = await res.text();
      if (!res.ok) {
        results = failAll(`the ${action} function answered ${res.status}: ${text.slice(0, 500)}`);
      } else {
        const parsed = ActionResponse.safeParse(JSON.parse(text));
        if (!parsed.success) {
          results = failAll(`the ${action} function answered something that is not an ActionResponse`);
        } else {
          const byRun = new Map(parsed.data.results.map((r) => [r.run_id, r]));
          results = runs.map((r) => byRun.get(r.run_id) ?? {
            run_id: r.run_id, status: "failed", retryable: true, error_message: `the ${action} function returned no result for this run`,
          });
        }
      }
    } catch (err) {
      results = failAll(`could not call the ${action} function: ${err instanceof Error ? err.message : String(err)}`);
    }
    await record(results);
  };

  try {
    const reaped = await db.executeSql("select * from public.reap_expired_leases($1::timestamptz)", [deps.now().toISOString()]);
    summary.reaped = reaped.length;
    // rounds: claim until nothing is due, let the batches finish, and go
    // again while failures scheduled retries that fall inside the window.
    // Only work still waiting when the budget runs out (the last claim took some)
    // is handed to a follow-up invocation; retries can wait for the next tick.
    let moreMayBeDue = true;
    let outOfBudget = false;
    for (let round = 0; round < 5 && !outOfBudget; round++) {
      const failedBefore = summary.failed;
      for (;;) {
        if (deps.now().getTime() - started > config.budgetMs || summary.claimed >= config.maxRunsPerInvocation) {
          outOfBudget = true;
          summary.followUp = moreMayBeDue;
          break;
        }
        const now = deps.now();
        const rows = await db.executeSql<ClaimedRow>(
          "select * from public.claim_due_runs($1, $2::timestamptz, make_interval(secs => $3), $4, null)",
          [config.claimBatch, now.toISOString(), config.lookaheadSeconds, invocation],
        );
        summary.claimed += rows.length;
        sampleMemory();
        moreMayBeDue = rows.length > 0;
        const byAction = new Map<ActionType, RunToExecute[]>();
        for (const row of rows) {
          const list = byAction.get(row.action_type) ?? [];
          list.push(toRun(row, now));
          byAction.set(row.action_type, list);
        }
        for (const [action, runs] of byAction) {
          runs.sort((a, b) => Date.parse(a.scheduled_time) - Date.parse(b.scheduled_time));
          for (const batch of chunk(runs, config.actionBatch)) {
            runsInFlight += batch.length;
            // a batch that throws is logged, never silently lost; leases cover a crash
            inflight.push(sendBatch(action, batch).catch((err) =>
              deps.logger.error("could not record a batch", { invocation, action, run_ids: batch.map((r) => r.run_id), error: String(err) })
            ).finally(() => {
              sampleMemory();
              runsInFlight -= batch.length;
              roomFreed();
            }));
          }
        }
        // only an empty claim means nothing is due: a short one can just mean
        // another invocation holds some of the candidates (SKIP LOCKED)
        if (rows.length === 0) break;
        await waitForRoom();
      }
      await Promise.allSettled(inflight.splice(0));
      if (summary.failed === failedBefore) break;
    }
    if (summary.followUp) {
      await deps.fetch(`${deps.functionsUrl}/dispatcher`, {
        method: "POST",
        headers: { authorization: `Bearer ${deps.dispatcherSecret}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "follow-up" }),
      }).then((r) => r.body?.cancel()).catch((err) => deps.logger.error("follow-up invocation failed", { invocation, error: String(err) }));
    }
    deps.logger.info("tick done", { ...summary, reason, ms: deps.now().getTime() - started });
    return summary;
  } catch (err) {
    deps.logger.error("tick failed", { invocation, reason, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    await Promise.allSettled(inflight);
    throw err;
  } finally {
    await db.close();
  }
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
