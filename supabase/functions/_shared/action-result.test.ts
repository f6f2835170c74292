// The one way every action builds what it records for a run.
import { expect, test } from "vitest";
import { ActionResult } from "../../../shared/contract.ts";
import { completedResult, crashResult, failedResult, RunFailure } from "./action-result.ts";

const run = { run_id: "00000000-0000-4000-8000-000000000001" };
const started = new Date("2026-11-24T10:00:00.000Z");
const ended = new Date("2026-11-24T10:00:01.500Z");

test("a completed run is never retryable and carries what it produced", () => {
  const result = completedResult(run, { startedAt: started, endedAt: ended, output: { status: 200 }, log_summary: { duration_ms: 1500 } });
  expect(result).toStrictEqual({
    run_id: run.run_id, status: "completed", retryable: false, output: { status: 200 }, log_summary: { duration_ms: 1500 },
    started_at: "2026-11-24T10:00:00.000Z", ended_at: "2026-11-24T10:00:01.500Z",
  });
  expect(ActionResult.safeParse(result).success).toBe(true);
});

test("a failed run names its error, says whether to retry, and leaves out what it does not have", () => {
  expect(failedResult(run, "nothing to ask", { retryable: false, endedAt: ended })).toStrictEqual({
    run_id: run.run_id, status: "failed", retryable: false, error_message: "nothing to ask", ended_at: "2026-11-24T10:00:01.500Z",
  });
  const steps = [{ id: "00000000-0000-4000-8000-0000000000aa", status: "failed" as const, retry_count: 1 }];
  const result = failedResult(run, "step 1 failed", { retryable: true, startedAt: "2026-11-24T10:00:00.000Z", endedAt: ended, steps, output: { usage: {} } });
  expect(result).toMatchObject({ status: "failed", retryable: true, started_at: "2026-11-24T10:00:00.000Z", steps, output: { usage: {} } });
  expect(ActionResult.safeParse(result).success).toBe(true);
});

test("a crash is retryable and says what crashed", () => {
  expect(crashResult(run, new TypeError("x is undefined"), () => ended)).toStrictEqual({
    run_id: run.run_id, status: "failed", retryable: true, error_message: "the action crashed: x is undefined", ended_at: "2026-11-24T10:00:01.500Z",
  });
  expect(crashResult(run, "plain reason", () => ended).error_message).toBe("the action crashed: plain reason");
});

test("a RunFailure is an Error that carries whether to retry", () => {
  const failure = new RunFailure("the webhook answered 503", true);
  expect(failure).toBeInstanceOf(Error);
  expect([failure.message, failure.retryable]).toEqual(["the webhook answered 503", true]);
});
