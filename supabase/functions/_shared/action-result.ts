// What an action records for each run (ActionResult, shared/contract.ts),
// built one way for every action: a run that completed, a run that failed
// (saying whether it may be retried), and a run whose executor crashed.
// RunFailure is what an executor throws when it knows whether a failure is
// worth another attempt.
import type { ActionResult, RunToExecute, StepResult } from "../../../shared/contract.ts";

type RunRef = Pick<RunToExecute, "run_id">;

export interface ResultFields {
  /** When the run began; absent for a run that failed before it started. */
  startedAt?: Date | string;
  /** When it ended: now, as the action's clock says. */
  endedAt: Date | string;
  output?: unknown;
  log_summary?: unknown;
  steps?: StepResult[];
}

export interface FailedFields extends ResultFields {
  /** True when another attempt may succeed (the task's retry policy decides whether there is one). */
  retryable: boolean;
}

const iso = (t: Date | string) => typeof t === "string" ? t : t.toISOString();

function optional(fields: ResultFields): Partial<ActionResult> {
  return {
    ...(fields.output === undefined ? {} : { output: fields.output }),
    ...(fields.log_summary === undefined ? {} : { log_summary: fields.log_summary }),
    ...(fields.steps === undefined ? {} : { steps: fields.steps }),
    ...(fields.startedAt === undefined ? {} : { started_at: iso(fields.startedAt) }),
  };
}

/** A run that did what it was asked. */
export function completedResult(run: RunRef, fields: ResultFields): ActionResult {
  return { run_id: run.run_id, status: "completed", retryable: false, ...optional(fields), ended_at: iso(fields.endedAt) };
}

/** A run that failed, with the message recorded as its error_message. */
export function failedResult(run: RunRef, message: string, fields: FailedFields): ActionResult {
  return { run_id: run.run_id, status: "failed", retryable: fields.retryable, error_message: message, ...optional(fields), ended_at: iso(fields.endedAt) };
}

/** The result of a run whose executor threw: retryable, since nothing says the action did not happen. */
export function crashResult(run: RunRef, reason: unknown, now: () => Date): ActionResult {
  return failedResult(run, `the action crashed: ${reason instanceof Error ? reason.message : String(reason)}`, { retryable: true, endedAt: now() });
}

/** A failure an executor understood: its message is what is recorded, and it says whether to try again. */
export class RunFailure extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = "RunFailure";
  }
}
