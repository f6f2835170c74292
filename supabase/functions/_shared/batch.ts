// Runs every item of a batch with a concurrency limit and Promise.allSettled
// semantics: one failure never hides the others, and a rejection becomes a
// failed ActionResult that names the run.
import type { ActionResult, RunToExecute } from "../../../shared/contract.ts";

export async function settleAll<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await work(items[i]) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function executeRuns(
  runs: RunToExecute[],
  limit: number,
  execute: (run: RunToExecute) => Promise<ActionResult>,
  now: () => Date,
): Promise<ActionResult[]> {
  const settled = await settleAll(runs, limit, execute);
  return settled.map((s, i) =>
    s.status === "fulfilled" ? s.value : {
      run_id: runs[i].run_id,
      status: "failed",
      retryable: true,
      error_message: `the action crashed: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`,
      ended_at: now().toISOString(),
    }
  );
}

/** Waits until `startAt` (ISO) on the injected clock: second precision from a minute tick. */
export async function waitUntilStart(startAt: string | undefined, now: () => Date, sleep: (ms: number) => Promise<void>): Promise<void> {
  if (!startAt) return;
  const ms = Date.parse(startAt) - now().getTime();
  if (ms > 0) await sleep(ms);
}
