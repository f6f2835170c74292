// The recorder's flushing against the real complete_runs: at most one call in
// flight, results arriving meanwhile go in the next call, an idle recorder
// writes at once. The calls pass through a gate the test opens, so "in
// flight" is something the test holds, not a race it hopes to win.
import { afterAll, expect, test } from "vitest";
import { stack, waitFor } from "../../../tests/helpers/stack.ts";
import type { ActionResult } from "../../../shared/contract.ts";
import { type Db, postgresDb } from "./db.ts";
import { memoryLogger } from "./logger.ts";
import { createRecorder } from "./recorder.ts";

const real = postgresDb(stack.dbUrl)();
afterAll(() => real.close());

function heldDb() {
  const calls: { results: ActionResult[]; worker: unknown; release: () => void }[] = [];
  const db: Db = {
    executeSql: async (text, values = []) => {
      let release = () => {};
      const open = new Promise<void>((r) => release = r);
      calls.push({ results: JSON.parse(values[0] as string), worker: values[2], release });
      await open;
      return real.executeSql(text, values);
    },
    close: async () => {},
  };
  return { db, calls };
}

// ids of no run: complete_runs answers them as ignored, which is all this test needs
const result = (n: number): ActionResult => ({
  run_id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`, status: "completed", retryable: false, output: { n },
});
const tick = () => new Promise((r) => setTimeout(r, 0));

test("an idle recorder writes at once; a busy one keeps one call in flight and batches what arrives meanwhile", async () => {
  const { db, calls } = heldDb();
  const recorder = createRecorder({ db, worker: "w-1", now: () => new Date(), sleep: async () => {}, logger: memoryLogger() });
  recorder.push(result(1));
  await tick();
  expect(calls.map((c) => c.results.map((r) => r.output))).toEqual([[{ n: 1 }]]);
  expect(calls[0].worker).toBe("w-1");

  recorder.push(result(2));
  recorder.push(result(3));
  await tick();
  expect(calls).toHaveLength(1); // the first is still in flight

  calls[0].release();
  await waitFor("the second call", async () => calls[1]);
  expect(calls.map((c) => c.results.length)).toEqual([1, 2]);
  calls[1].release();
  await recorder.drain();
  expect(recorder.stats).toMatchObject({ flushes: 2, ignored: 3, recorded: 0, largestFlush: 2, lost: 0 });
});

test("results pushed in the same turn share one call", async () => {
  const { db, calls } = heldDb();
  const recorder = createRecorder({ db, worker: "w-2", now: () => new Date(), sleep: async () => {}, logger: memoryLogger() });
  for (let n = 10; n < 15; n++) recorder.push(result(n));
  await tick();
  expect(calls.map((c) => c.results.length)).toEqual([5]);
  calls[0].release();
  await recorder.drain();
  expect(recorder.stats.flushes).toBe(1);
});

test("a NUL character, which jsonb cannot hold, does not sink the flush of everyone else", async () => {
  const recorder = createRecorder({ db: real, worker: "w-3", now: () => new Date(), sleep: async () => {}, logger: memoryLogger(), retryDelaysMs: [] });
  recorder.push({ ...result(20), output: { body: "a\u0000b" } });
  recorder.push(result(21));
  await recorder.drain();
  expect(recorder.stats).toMatchObject({ flushes: 1, ignored: 2, lost: 0 });
});
