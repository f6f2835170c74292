// Runs the work of a request under one concurrency limit: one failure never
// hides the others, and a run whose executor throws becomes a failed
// ActionResult that names the run.
import type { ActionResult, RunToExecute } from "../../../shared/contract.ts";
import { crashResult } from "./action-result.ts";

/** Runs `work` when one of `limit` lanes is free, in arrival order. One limiter is shared by every group of a request. */
export type Limiter = <R>(work: () => Promise<R>) => Promise<R>;

export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, not ${limit}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <R>(work: () => Promise<R>): Promise<R> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await work();
    } finally {
      // hand the lane straight to the next in line, or free it
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Executes the runs under the limiter; each result goes to `onResult` as soon
 * as its run ends (not when the batch does), and all are returned in order.
 */
export async function executeRuns<T extends Pick<RunToExecute, "run_id">>(
  runs: T[],
  limit: number | Limiter,
  execute: (run: T) => Promise<ActionResult>,
  now: () => Date,
  onResult: (result: ActionResult) => void = () => {},
): Promise<ActionResult[]> {
  const limited = typeof limit === "number" ? createLimiter(limit) : limit;
  return await Promise.all(runs.map(async (run) => {
    let result: ActionResult;
    try {
      result = await limited(() => execute(run));
    } catch (reason) {
      result = crashResult(run, reason, now);
    }
    onResult(result);
    return result;
  }));
}
