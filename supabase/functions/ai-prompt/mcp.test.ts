// The ai-prompt action with MCP tools, against a real MCP server made with
// the SDK on loopback, the fake chat-completions server asking for
// tool_calls, and the real database: the servers are resolved for the task's
// owner (header values from Vault), their health recorded, each call recorded
// with its step, and a tool that needs approval stops the run until
// decide_approval, after which it resumes without repeating what it did.
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jwtSecret, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import type { ActionResult, RunToExecute } from "../../../shared/contract.ts";
import { fakeModel } from "../../../tests/helpers/fake-model.ts";
import { mcpTestServer } from "../../../tests/helpers/mcp-server.ts";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { RecordedResult } from "../_shared/action-runner.ts";
import { claimRuns, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { runOf, validRun } from "../_shared/fixtures.test-helpers.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { type AiDeps, executeAiPromptRun } from "./handler.ts";

const sql = connect();
let model: Awaited<ReturnType<typeof fakeModel>>;
let tools: Awaited<ReturnType<typeof mcpTestServer>>;
let owner = "";
let admin = "";
let stranger = "";
let taskId = "";
const db = postgresDb(stack.dbUrl);
const open: ReturnType<typeof db>[] = [];

beforeAll(async () => {
  model = await fakeModel();
  tools = await mcpTestServer();
  owner = await createUser(sql, "mcp-owner");
  admin = await createUser(sql, "mcp-admin");
  stranger = await createUser(sql, "mcp-stranger");
  await sql`update scheduler.profiles set role = 'admin' where id = ${admin}`;
  await sql`insert into scheduler.mcp_servers (name, url, headers, created_by)
    values ('tools', ${tools.url}, ${sql.json({ Authorization: "Bearer from-vault" })}, ${owner})`;
  await sql`insert into scheduler.mcp_servers (name, url, is_shared, created_by) values ('shared-tools', ${tools.url}, true, ${admin})`;
  await sql`insert into scheduler.mcp_servers (name, url, created_by) values ('strangers-tools', ${tools.url}, ${stranger})`;
  await sql`insert into scheduler.mcp_servers (name, url, created_by) values ('down', 'http://127.0.0.1:9/mcp', ${owner})`;
  [{ id: taskId }] = await sql`insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
    values ('mcp direct', 'manual', 'ai-prompt', ${sql.json({ prompt: "x" })}, ${owner}) returning id`;
});
afterAll(async () => {
  await Promise.allSettled(open.map((d) => d.close()));
  for (const id of [owner, admin, stranger]) if (id) await sql`delete from auth.users where id = ${id}`;
  await sql.end();
  await model.close();
  await tools.close();
});

const deps = (): AiDeps => ({
  db,
  fetch,
  now: () => new Date(),
  sleep: async () => {},
  waitUntil: () => {},
  logger: memoryLogger(),
  auth: { secretKeys, serviceRoleKey, jwtSecret },
  ai: { baseUrl: `${model.url}/v1`, apiKey: "sk-test", model: "local-model" },
  resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
  connect: nodeConnect(),
  allowHosts: parseAllowList("127.0.0.1"),
});
const io = () => {
  const d = db();
  open.push(d);
  return { db: d, worker: "mcp-test" };
};
const aiRun = (payload: unknown, overrides: Partial<RunToExecute> = {}) =>
  validRun("ai-prompt", runOf(payload, { action_type: "ai-prompt", task_id: taskId, ...overrides }));
const step = (n: number, instructions: string, include_previous_context = false) => ({
  id: `44444444-4444-4444-8444-00000000000${n}`, step_order: n, step_name: `step ${n}`, instructions, include_previous_context, context_data: {},
});
const result = (r: ActionResult | RecordedResult) => {
  if ("recorded" in r) throw new Error("the run paused");
  return r;
};
const withTools = { mcp_servers: ["tools"], allowed_tools: ["add", "lookup_order", "fail", "slow"] };

describe("tools from a loopback MCP server", () => {
  test("a two-step prompt calls a tool, feeds its answer back, and records the call with its step", async () => {
    const before = { calls: tools.calls.length, asked: model.received.length };
    const run = aiRun(withTools, { steps: [step(1, 'call add {"a": 2, "b": 3}'), step(2, "Summarise", true)] });
    const r = result(await executeAiPromptRun(run, deps(), io()));
    expect(r.error_message).toBeUndefined();
    expect(r.status).toBe("completed");
    expect(tools.calls.slice(before.calls)).toEqual([{ tool: "add", args: { a: 2, b: 3 } }]);
    const [first] = model.received.slice(before.asked).map((q) => JSON.parse(q.body));
    // only the allowed tools, as OpenAI-compatible function tools
    expect(first.tools.map((t: { type: string; function: { name: string } }) => `${t.type}:${t.function.name}`).sort())
      .toEqual(["function:add", "function:fail", "function:lookup_order", "function:slow"]);
    expect(first.tools.find((t: { function: { name: string } }) => t.function.name === "add").function.parameters).toMatchObject({ type: "object", properties: { a: { type: "number" } } });
    const [s1, s2] = r.steps!;
    expect(s1).toMatchObject({ status: "completed", result: { content: "answer(tool: 5)" } });
    expect((s1.result as { tool_calls: unknown[] }).tool_calls).toEqual([
      { tool: "add", server: "tools", arguments: { a: 2, b: 3 }, result: "5", duration_ms: expect.any(Number) },
    ]);
    expect(s2).toMatchObject({ status: "completed", result: { content: "answer(Summarise)" } });
    expect(r.log_summary).toMatchObject({ tool_calls: 1, steps: 2 });
    // the header's value came from Vault
    expect(tools.requests.at(-1)!.authorization).toBe("Bearer from-vault");
  });

  test("using a server is its health check: status, heartbeat and the tools it lists are recorded", async () => {
    const [s] = await sql`select status, last_heartbeat, last_error, capabilities from scheduler.mcp_servers where name = 'tools' and created_by = ${owner}`;
    expect(s.status).toBe("active");
    expect(s.last_heartbeat).not.toBeNull();
    expect(s.last_error).toBeNull();
    expect(s.capabilities.map((t: { name: string }) => t.name).sort()).toEqual(["add", "fail", "lookup_order", "send_mail", "slow"]);
  });

  test("a single prompt records its calls in the output; a tool's own error goes back to the model", async () => {
    const r = result(await executeAiPromptRun(aiRun({ prompt: "call fail {}", ...withTools }), deps(), io()));
    expect(r.status).toBe("completed");
    expect(r.output).toMatchObject({
      content: "answer(tool: Error: the tool broke)",
      tool_calls: [{ tool: "fail", server: "tools", error: "the tool broke" }],
    });
  });

  test("a step's own allowed_tools narrow the task's: the model of that step is offered, and may call, only those", async () => {
    const asked = model.received.length;
    const narrowed = { ...step(1, 'call lookup_order {"id": "o-2"}'), allowed_tools: ["add"] };
    const r = result(await executeAiPromptRun(aiRun(withTools, { steps: [narrowed] }), deps(), io()));
    expect(JSON.parse(model.received[asked].body).tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["add"]);
    expect(r).toMatchObject({ status: "failed", retryable: false, error_message: "step 1 (step 1) failed: the model called lookup_order, which is not on allowed_tools (add)" });
    const outside = result(await executeAiPromptRun(aiRun(withTools, { steps: [{ ...step(1, "x"), allowed_tools: ["send_mail"] }] }), deps(), io()));
    expect(outside.error_message).toBe("step 1 (step 1) failed: allowed_tools of the step names send_mail, not in the task's allowed_tools (add, lookup_order, fail, slow)");
  });

  test("a shared server is usable by everyone; another user's is not", async () => {
    const shared = result(await executeAiPromptRun(aiRun({ prompt: 'call lookup_order {"id": "o-1"}', mcp_servers: ["shared-tools"], allowed_tools: ["lookup_order"] }), deps(), io()));
    expect(shared.status).toBe("completed");
    const theirs = result(await executeAiPromptRun(aiRun({ prompt: "x", mcp_servers: ["strangers-tools"], allowed_tools: ["add"] }), deps(), io()));
    expect(theirs).toMatchObject({ status: "failed", retryable: false });
    expect(theirs.error_message).toBe('mcp_servers: no MCP server named "strangers-tools" that the task\'s owner may use (their own, or one an admin shared) is active');
  });
});

describe("bad input: each a clear error on the run, losing nothing done", () => {
  test("a server that is down fails the run as retryable and is recorded in error", async () => {
    const r = result(await executeAiPromptRun(aiRun({ prompt: "x", mcp_servers: ["down"], allowed_tools: ["add"] }), deps(), io()));
    expect(r).toMatchObject({ status: "failed", retryable: true });
    expect(r.error_message).toMatch(/^MCP server "down" \(http:\/\/127\.0\.0\.1:9\/mcp\) could not be used: /);
    const [s] = await sql`select status, last_error from scheduler.mcp_servers where name = 'down'`;
    expect(s.status).toBe("error");
    expect(s.last_error).toBe(r.error_message);
  });

  test("the MCP connection goes through the SSRF guard: a loopback server not allowed is refused, nothing sent", async () => {
    const before = tools.requests.length;
    const r = result(await executeAiPromptRun(aiRun({ prompt: "x", ...withTools }), { ...deps(), allowHosts: new Set() }, io()));
    expect(r).toMatchObject({ status: "failed", retryable: false });
    expect(r.error_message).toMatch(/^MCP server "tools" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) may not be called: refused .*a loopback address/);
    expect(tools.requests.length).toBe(before);
  });

  test("a server answering garbage fails the run, naming it", async () => {
    tools.mode = "garbage";
    try {
      const r = result(await executeAiPromptRun(aiRun({ prompt: "x", ...withTools }), deps(), io()));
      expect(r).toMatchObject({ status: "failed", retryable: true });
      expect(r.error_message).toMatch(/^MCP server "tools" .* could not be used: /);
    } finally {
      tools.mode = "ok";
    }
  });

  test("a tool call that times out fails its step; the step before it is kept", async () => {
    tools.slowMs = 10_000;
    const r = result(await executeAiPromptRun(aiRun(withTools, { timeout_seconds: 2, steps: [step(1, "Hello"), step(2, "call slow {}")] }), deps(), io()));
    expect(r).toMatchObject({ status: "failed", retryable: true });
    expect(r.error_message).toMatch(/^step 2 \(step 2\) failed: the MCP server "tools" failed the call of slow: .*timed out/i);
    expect(r.steps!.map((s) => s.status)).toEqual(["completed", "failed"]);
    expect(r.steps![0].result).toMatchObject({ content: "answer(Hello)" });
    expect(r.steps![1].result).toMatchObject({ tool_calls: [{ tool: "slow", error: expect.stringMatching(/timed out/i) }] });
  });

  test("a tool the allow-list does not name is never called", async () => {
    const before = tools.calls.length;
    const r = result(await executeAiPromptRun(aiRun({ prompt: 'call send_mail {"to": "a@b.c", "subject": "hi"}', mcp_servers: ["tools"], allowed_tools: ["add"] }), deps(), io()));
    expect(r).toMatchObject({ status: "failed", retryable: false, error_message: "the model called send_mail, which is not on allowed_tools (add)" });
    expect(r.output).toMatchObject({ tool_calls: [{ tool: "send_mail", error: "not on allowed_tools" }] });
    expect(tools.calls.length).toBe(before);
  });

  test("an allow-list naming a tool no server lists fails before asking the model", async () => {
    const asked = model.received.length;
    const r = result(await executeAiPromptRun(aiRun({ prompt: "x", mcp_servers: ["tools"], allowed_tools: ["delete_everything"] }), deps(), io()));
    expect(r).toMatchObject({ status: "failed", retryable: false, error_message: "allowed_tools: no server of mcp_servers (tools) lists a tool named delete_everything" });
    expect(model.received.length).toBe(asked);
  });

  test("a model that loops on tool calls is stopped at max_tool_calls, keeping the calls and the earlier step", async () => {
    const before = tools.calls.length;
    const run = aiRun({ ...withTools, max_tool_calls: 3 }, { steps: [step(1, "Hello"), step(2, 'loop add {"a": 1, "b": 1}')] });
    const r = result(await executeAiPromptRun(run, deps(), io()));
    expect(r).toMatchObject({ status: "failed", retryable: false });
    expect(r.error_message).toBe("step 2 (step 2) failed: the model wanted more than max_tool_calls (3) tool calls; the one over was add");
    expect(tools.calls.length - before).toBe(3);
    expect(r.steps!.map((s) => s.status)).toEqual(["completed", "failed"]);
    expect((r.steps![1].result as { tool_calls: unknown[] }).tool_calls).toHaveLength(3);
  });
});

describe("approval before a tool call", () => {
  const at = new Date("2047-02-01T00:00:00.000Z");
  const worker = () => `mcp-approval:${crypto.randomUUID()}`;

  /** An ai-prompt task with two steps, claimed and started as the dispatcher and the gate would. */
  async function startedRun(name: string) {
    const id = await sql.begin(async (tx) => {
      const [{ id }] = await tx`insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, timeout_seconds, priority)
        values (${name}, 'scheduled', 'ai-prompt', ${tx.json({ mcp_servers: ["tools"], allowed_tools: ["add", "send_mail"], approval_tools: ["send_mail"] })},
          ${owner}, ${at}, 20, 'critical') returning id`;
      await tx`insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values
        (${id}, 1, 'sum', 'call add {"a": 20, "b": 22}'),
        (${id}, 2, 'mail', 'call send_mail {"to": "boss@example.com", "subject": "42"}')`;
      return id as string;
    });
    return { taskId: id, ...(await claimAndStart(id)) };
  }
  async function claimAndStart(id: string) {
    const w = worker();
    const [run] = await claimRuns(sql, { now: at, worker: w, taskIds: [id] });
    const [gate] = await sql`select outcome from scheduler.start_runs(${[run.run_id]}::uuid[], ${w}, ${at})`;
    expect(gate.outcome).toBe("started");
    return { run: validRun("ai-prompt", run), worker: w };
  }
  const execute = (run: ReturnType<typeof validRun<"ai-prompt">>, w: string) =>
    executeAiPromptRun(run, { ...deps(), now: () => at }, { db: io().db, worker: w });
  const record = async (r: ActionResult, w: string) => {
    await sql`select * from scheduler.complete_runs(${sql.json([r] as never)}, ${at}, ${w})`;
  };

  test("the run stops in awaiting_approval, then resumes from the stored state once approved: nothing is repeated", async () => {
    const { taskId: id, run, worker: w } = await startedRun("approve a mail");
    const before = tools.calls.length;
    const paused = await execute(run, w);
    expect("recorded" in paused).toBe(true);
    expect(tools.calls.slice(before).map((c) => c.tool)).toEqual(["add"]);
    const [held] = await sql`select status, locked_by, lease_expires_at, wait_reason from scheduler.task_runs where id = ${run.run_id}`;
    expect(held).toEqual({ status: "awaiting_approval", locked_by: null, lease_expires_at: null, wait_reason: "waiting for approval: the model wants to call send_mail" });
    const [approval] = await sql`select id, action_type, details, status, expires_at from scheduler.approvals where run_id = ${run.run_id}`;
    expect(approval).toMatchObject({ action_type: "send_mail", status: "pending",
      details: { kind: "tool_call", server: "tools", arguments: { to: "boss@example.com", subject: "42" }, step_order: 2 } });
    expect(approval.expires_at.getTime()).toBe(at.getTime() + 24 * 3600_000);
    const [notice] = await sql`select title, type from scheduler.notifications where run_id = ${run.run_id}`;
    expect(notice).toEqual({ title: "Approval needed: approve a mail", type: "approval" });
    const steps = await sql`select step_order, status, execution_result -> 'content' as content from scheduler.task_steps where task_id = ${id} order by step_order`;
    expect(steps).toEqual([{ step_order: 1, status: "completed", content: "answer(tool: 42)" }, { step_order: 2, status: "running", content: null }]);

    expect((await sql`select scheduler.decide_approval(${approval.id}, true, 'fine', ${at}) as d`)[0].d).toBe("approved");
    const { run: again, worker: w2 } = await claimAndStart(id);
    expect(again.run_id).toBe(run.run_id);
    const asked = model.received.length;
    const r = result(await execute(again, w2));
    expect(r.error_message).toBeUndefined();
    expect(r.status).toBe("completed");
    // add ran once, before the pause; the mail once, after the approval; step 1 was not asked again
    expect(tools.calls.slice(before).map((c) => c.tool)).toEqual(["add", "send_mail"]);
    expect(model.received.slice(asked).map((q) => JSON.parse(q.body).messages.at(-1).role)).toEqual(["tool"]);
    expect(r.steps!.map((s) => s.status)).toEqual(["completed", "completed"]);
    expect(r.steps![1].result).toMatchObject({ content: "answer(tool: sent to boss@example.com)",
      tool_calls: [{ tool: "send_mail", result: "sent to boss@example.com", approval: { id: approval.id, status: "approved" } }] });
    await record(r, w2);
    const [done] = await sql`select status, output -> 'content' as content from scheduler.task_runs where id = ${run.run_id}`;
    expect(done).toEqual({ status: "completed", content: "answer(tool: sent to boss@example.com)" });
  });

  test("a rejected call is never made: the run resumes (from its own copy of the state, the steps overwritten) and its model is told", async () => {
    const { taskId: id, run, worker: w } = await startedRun("reject a mail");
    const before = tools.calls.length;
    expect("recorded" in await execute(run, w)).toBe(true);
    const [approval] = await sql`select id from scheduler.approvals where run_id = ${run.run_id}`;
    // meanwhile another run of the task writes its own state on the steps: this one resumes from its own copy
    await sql`update scheduler.task_steps set run_id = null, status = 'pending', execution_result = '{}' where task_id = ${id}`;
    expect((await sql`select scheduler.decide_approval(${approval.id}, false, 'not today', ${at}) as d`)[0].d).toBe("rejected");
    const [queued] = await sql`select status from scheduler.task_runs where id = ${run.run_id}`;
    expect(queued.status).toBe("queued");
    const { run: again, worker: w2 } = await claimAndStart(id);
    const r = result(await execute(again, w2));
    expect(r.status).toBe("completed");
    expect(tools.calls.slice(before).map((c) => c.tool)).toEqual(["add"]);
    expect(r.steps![1].result).toMatchObject({
      content: "answer(tool: The call was refused: a person rejected it (not today). Do not call send_mail again for this; go on without it.)",
      tool_calls: [{ tool: "send_mail", error: "refused: approval rejected", approval: { status: "rejected" } }],
    });
  });

  test("a step that requires approval stops the run before it begins; approved, it runs, and the step before it is not run again", async () => {
    const id = await sql.begin(async (tx) => {
      const [{ id }] = await tx`insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, timeout_seconds, priority)
        values ('approve a step', 'scheduled', 'ai-prompt', ${tx.json({ system: "s" })}, ${owner}, ${at}, 20, 'critical') returning id`;
      await tx`insert into scheduler.task_steps (task_id, step_order, step_name, instructions, requires_approval) values
        (${id}, 1, 'draft', 'Draft it', false), (${id}, 2, 'publish', 'Publish {{task.name}}', true)`;
      return id as string;
    });
    const { run, worker: w } = await claimAndStart(id);
    const asked = model.received.length;
    expect("recorded" in await execute(run, w)).toBe(true);
    expect(model.received.length - asked).toBe(1);
    const [approval] = await sql`select id, action_type, details from scheduler.approvals where run_id = ${run.run_id}`;
    expect(approval).toMatchObject({ action_type: "step", details: { kind: "step", step_order: 2, step_name: "publish", instructions: "Publish approve a step" } });
    const steps = await sql`select step_order, status from scheduler.task_steps where task_id = ${id} order by step_order`;
    expect(steps.map((x) => `${x.step_order}:${x.status}`)).toEqual(["1:completed", "2:pending"]);
    await sql`select scheduler.decide_approval(${approval.id}, true, null, ${at})`;
    const { run: again, worker: w2 } = await claimAndStart(id);
    const r = result(await execute(again, w2));
    expect(r.status).toBe("completed");
    // one more question only: step 2's
    expect(model.received.slice(asked + 1).map((q) => JSON.parse(q.body).messages.at(-1).content)).toEqual(["Publish approve a step"]);
    expect(r.steps!.map((x) => `${x.status}:${(x.result as { content?: string })?.content}`)).toEqual(["completed:answer(Draft it)", "completed:answer(Publish approve a step)"]);
  });

  test("a rejected step cancels the run, as a rejected run approval does", async () => {
    const id = await sql.begin(async (tx) => {
      const [{ id }] = await tx`insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, timeout_seconds, priority)
        values ('reject a step', 'scheduled', 'ai-prompt', ${tx.json({})}, ${owner}, ${at}, 20, 'critical') returning id`;
      await tx`insert into scheduler.task_steps (task_id, step_order, step_name, instructions, requires_approval) values (${id}, 1, 'go', 'Go', true)`;
      return id as string;
    });
    const { run, worker: w } = await claimAndStart(id);
    expect("recorded" in await execute(run, w)).toBe(true);
    const [approval] = await sql`select id from scheduler.approvals where run_id = ${run.run_id}`;
    await sql`select scheduler.decide_approval(${approval.id}, false, 'no', ${at})`;
    const [r] = await sql`select status, error_message from scheduler.task_runs where id = ${run.run_id}`;
    expect(r).toEqual({ status: "cancelled", error_message: "approval rejected: no" });
  });

  test("an approval nobody decides expires as a run approval does: the run is cancelled", async () => {
    const { run, worker: w } = await startedRun("let it expire");
    expect("recorded" in await execute(run, w)).toBe(true);
    await sql`select scheduler.expire_approvals(${new Date(at.getTime() + 25 * 3600_000)})`;
    const [r] = await sql`select r.status, r.error_message, a.status as approval from scheduler.task_runs r join scheduler.approvals a on a.run_id = r.id where r.id = ${run.run_id}`;
    expect(r).toEqual({ status: "cancelled", error_message: "approval expired", approval: "expired" });
  });
});
