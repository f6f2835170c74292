// The hand-over of claimed runs to their action function (docs/dispatch.md),
// the step between the claim (tick, in handler.ts) and the start gate (the
// action's runner, _shared/action-runner.ts):
//   - a row claim_due_runs returned becomes the RunToExecute the action
//     receives, with start_at when it is due after the claim;
//   - one batch is POSTed as {worker, runs}; the function answers 202 at once
//     and starts each run at its second through the gate;
//   - a batch it refused (any other answer) or that could not reach it is
//     given back with release_runs, which puts the runs that are still
//     claimed by this worker back in the queue.
import type { RunToExecute } from "../../../shared/contract.ts";
import type { ActionType } from "../../../shared/enums.ts";
import type { Db } from "../_shared/db.ts";

/** One row of scheduler.claim_due_runs. */
export interface ClaimedRow {
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
  idempotency_key: string;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** What the action function receives for a claimed row; a run due after `claimedAt` carries start_at, its due time. */
export function toRun(row: ClaimedRow, claimedAt: Date): RunToExecute {
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
    idempotency_key: row.idempotency_key,
    ...(Date.parse(scheduled) > claimedAt.getTime() ? { start_at: scheduled } : {}),
  };
}

export interface HandOverDeps {
  db: Db;
  fetch: typeof fetch;
  now: () => Date;
  /** `<SUPABASE_URL>/functions/v1`. */
  functionsUrl: string;
  /** The function that takes each action's runs, when it is not named after the action (action-functions.ts). */
  actionFunctions?: Readonly<Record<string, string>>;
  /** Headers that authenticate the dispatcher to the action functions (the secret key). */
  serviceHeaders: Record<string, string>;
  /** The function answers at once; a call that takes longer is given up and its runs are given back. */
  callTimeoutMs: number;
}

export interface HandOverResult {
  /** Runs the function took on: the whole batch when it answered 202, else none. */
  handed: number;
  /** Why the function did not take the batch, or null when it did. */
  refused: string | null;
  /** Runs release_runs put back in the queue (a refused batch's runs still claimed by this worker). */
  givenBack: number;
  /** Set when giving back failed: those runs stay claimed until their leases give them back. */
  giveBackError?: unknown;
}

const message = (err: unknown) => err instanceof Error ? err.message : String(err);

/** POSTs one batch of `worker`'s runs to the `action` function and gives it back when refused. Never rejects. */
export async function handOver(deps: HandOverDeps, worker: string, action: ActionType, runs: RunToExecute[]): Promise<HandOverResult> {
  let refused: string | null = null;
  const target = deps.actionFunctions?.[action] ?? action;
  try {
    const res = await deps.fetch(`${deps.functionsUrl}/${target}`, {
      method: "POST",
      headers: { ...deps.serviceHeaders, "content-type": "application/json" },
      body: JSON.stringify({ worker, runs }),
      signal: AbortSignal.timeout(deps.callTimeoutMs),
    });
    const text = await res.text();
    if (res.status !== 202 && res.status !== 200) refused = `the ${target} function answered ${res.status}: ${text.slice(0, 300)}`;
  } catch (err) {
    refused = `could not call the ${target} function: ${message(err)}`;
  }
  if (refused === null) return { handed: runs.length, refused, givenBack: 0 };
  try {
    // safe whatever the function did: only runs still claimed by this
    // worker are given back, and a run can start only through the gate
    const [{ given_back }] = await deps.db.executeSql<{ given_back: number }>(
      "select scheduler.release_runs($1::uuid[], $2, $3::timestamptz) as given_back",
      [runs.map((r) => r.run_id), worker, deps.now().toISOString()],
    );
    return { handed: 0, refused, givenBack: given_back };
  } catch (err) {
    return { handed: 0, refused, givenBack: 0, giveBackError: err };
  }
}
