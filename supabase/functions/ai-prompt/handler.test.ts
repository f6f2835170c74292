// The ai-prompt action against a real loopback server speaking the
// chat-completions wire format; the handler through the runner, with a run
// claimed from the real database.
import { afterAll, beforeAll, expect, test } from "vitest";
import { jwtSecret, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import type { RunToExecute } from "../../../shared/contract.ts";
import { fakeModel } from "../../../tests/helpers/fake-model.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import { claimRuns, createTask, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { runOf, validRun } from "../_shared/fixtures.test-helpers.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { type AiDeps, createHandler, executeAiPromptRun } from "./handler.ts";

const sql = connect();
const waited: Promise<unknown>[] = [];
const aiRun = (payload: unknown, overrides: Partial<RunToExecute> = {}) => validRun("ai-prompt", runOf(payload, { action_type: "ai-prompt", ...overrides }));

let model: Awaited<ReturnType<typeof fakeModel>>;

beforeAll(async () => {
  model = await fakeModel();
});
afterAll(async () => {
  await Promise.allSettled(waited);
  await sql.end();
  await model.close();
});

const deps = (): AiDeps => ({
  db: postgresDb(stack.dbUrl),
  fetch,
  now: () => new Date(),
  sleep: async () => {},
  waitUntil: (p) => void waited.push(p),
  logger: memoryLogger(),
  auth: { secretKeys, serviceRoleKey, jwtSecret },
  ai: { baseUrl: `${model.url}/v1`, apiKey: "sk-test", model: "local-model" },
});

const step = (n: number, instructions: string, include_previous_context: boolean) => ({
  id: `33333333-3333-4333-8333-00000000000${n}`, step_order: n, step_name: `step ${n}`, instructions, include_previous_context, context_data: {},
});

test("a single prompt records the answer, the finish reason and token usage", async () => {
  const result = await executeAiPromptRun(aiRun({ prompt: "Summarise {{task.name}}", system: "Be brief" }), deps());
  expect(result).toMatchObject({
    status: "completed",
    output: { content: "answer(Summarise Nightly report)", finish_reason: "stop", usage: { total_tokens: 15 }, model: "local-model" },
  });
  const sent = JSON.parse(model.received.at(-1)!.body);
  expect(sent.messages).toEqual([{ role: "system", content: "Be brief" }, { role: "user", content: "Summarise Nightly report" }]);
  expect(model.received.at(-1)!.headers.authorization).toBe("Bearer sk-test");
});

test("steps run in order, and include_previous_context passes earlier outputs", async () => {
  const run = aiRun({}, { steps: [step(2, "Translate it", true), step(1, "Write a haiku", false)] });
  const before = model.received.length;
  const result = await executeAiPromptRun(run, deps());
  expect(result.status).toBe("completed");
  const calls = model.received.slice(before).map((r) => JSON.parse(r.body).messages);
  expect(calls[0]).toEqual([{ role: "user", content: "Write a haiku" }]);
  expect(calls[1]).toEqual([
    { role: "user", content: "Write a haiku" },
    { role: "assistant", content: "answer(Write a haiku)" },
    { role: "user", content: "Translate it" },
  ]);
  expect(result.steps!.map((s) => [s.status, s.retry_count])).toEqual([["completed", 0], ["completed", 0]]);
  expect(result.output).toMatchObject({ content: "answer(Translate it)", usage: { total_tokens: 30 } });
});

test("a step failing with a retryable error is retried, and its retry count recorded", async () => {
  model.state.failuresLeft = 1;
  const result = await executeAiPromptRun(aiRun({ step_max_retries: 2 }, { steps: [step(1, "Try", false)] }), deps());
  expect(result.status).toBe("completed");
  expect(result.steps![0].retry_count).toBe(1);
});

test("a failed step stops the run and skips the rest", async () => {
  model.state.failuresLeft = 5;
  const result = await executeAiPromptRun(aiRun({ step_max_retries: 1 }, { steps: [step(1, "A", false), step(2, "B", true)] }), deps());
  model.state.failuresLeft = 0;
  expect(result).toMatchObject({ status: "failed", retryable: true });
  expect(result.error_message).toMatch(/step 1 \(step 1\) failed: the model API answered 503/);
  expect(result.steps!.map((s) => s.status)).toEqual(["failed", "skipped"]);
});

test("nothing to ask is a clear, final failure", async () => {
  expect(await executeAiPromptRun(aiRun({}), deps())).toMatchObject({
    status: "failed", retryable: false, error_message: "nothing to ask: set action_payload.prompt or add task_steps",
  });
});

test("the handler answers 202, records the answer of a claimed run, and refuses strangers", async () => {
  const now = new Date("2044-01-01T00:00:00.000Z");
  const owner = await createUser(sql, "ai-handler");
  try {
    const taskId = await createTask(sql, { owner, action_type: "ai-prompt", action_payload: { prompt: "hi" }, run_at: now });
    const worker = `ai-test:${crypto.randomUUID()}`;
    const runs = await claimRuns(sql, { now, worker, taskIds: [taskId] });
    const handler = createHandler({ ...deps(), now: () => now });
    const ok = await handler(new Request("http://fn/ai-prompt", {
      method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
    }));
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ accepted: 1, rejected: 0 });
    await waited.at(-1);
    const [row] = await sql`select status, output from scheduler.task_runs where task_id = ${taskId}`;
    expect(row).toMatchObject({ status: "completed", output: { content: "answer(hi)", model: "local-model" } });
  } finally {
    await sql`delete from auth.users where id = ${owner}`;
  }
  const denied = await createHandler(deps())(new Request("http://fn/ai-prompt", { method: "POST", body: "{}" }));
  expect(denied.status).toBe(401);
});
