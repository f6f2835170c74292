// ai-prompt with MCP tools end to end on the running stack: the tasks'
// inserts and decide_approval wake the dispatcher through pg_net (else
// pg_cron's minute tick does), the dispatcher hands the runs to the ai-prompt
// function in Deno, which lists the tools of an MCP server made with the SDK
// on loopback (through the SSRF guard, its header from Vault), gives them to
// the model (the fake chat-completions server on the stack's model port) and
// runs its tool calls. A tool that needs approval stops the run; the owner's
// decide_approval resumes it, and nothing done before the pause is done
// again. Nothing here calls the engine: what a user would make and do.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fakeModel } from "../helpers/fake-model.ts";
import { mcpTestServer } from "../helpers/mcp-server.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
const TICK_WAIT = 150_000; // the next minute boundary, plus the dispatcher's work

let model: Awaited<ReturnType<typeof fakeModel>>;
let tools: Awaited<ReturnType<typeof mcpTestServer>>;
let userId = "";
const tasks: Record<string, string> = {};

/** As the user, the way supabase-js would (role authenticated with their claims). */
const asUser = <T>(work: (tx: typeof admin) => Promise<T>) => admin.begin(async (tx) => {
  await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
  return work(tx as unknown as typeof admin);
}) as Promise<T>;

beforeAll(async () => {
  model = await fakeModel(Number(process.env.E2E_MODEL_API_PORT));
  tools = await mcpTestServer();
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-mcp-${Date.now()}@test.local`}) returning id`;
  // due a few seconds from now: the next tick's dispatcher takes both
  const runAt = new Date(Date.now() + 5_000);
  await asUser(async (tx) => {
    await tx`insert into scheduler.mcp_servers (name, url, headers) values ('e2e-tools', ${tools.url}, ${tx.json({ Authorization: "Bearer e2e-key" })})`;
    for (const [name, payload, steps] of [
      ["e2e mcp two steps", { mcp_servers: ["e2e-tools"], allowed_tools: ["lookup_order"] },
        [["look up", 'call lookup_order {"id": "o-7"}', false], ["report", "Write it up", true]]],
      ["e2e mcp approval", { mcp_servers: ["e2e-tools"], allowed_tools: ["add", "send_mail"], approval_tools: ["send_mail"] },
        [["sum", 'call add {"a": 40, "b": 2}', false], ["mail", 'call send_mail {"to": "boss@example.com", "subject": "42"}', true]]],
    ] as const) {
      const [{ id }] = await tx`insert into scheduler.tasks (name, run_at, action_type, action_payload, timeout_seconds)
        values (${name}, ${runAt}, 'ai-prompt', ${tx.json(payload as never)}, 60) returning id`;
      for (const [i, [stepName, instructions, previous]] of steps.entries()) {
        await tx`insert into scheduler.task_steps (task_id, step_order, step_name, instructions, include_previous_context)
          values (${id}, ${i + 1}, ${stepName}, ${instructions}, ${previous})`;
      }
      tasks[name] = id;
    }
  });
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
  await model?.close();
  await tools?.close();
});

const runOf = async (name: string) => {
  const [run] = await admin`select id, status, error_message, output, wait_reason from scheduler.task_runs where task_id = ${tasks[name]} order by scheduled_time limit 1`;
  return run;
};

describe("ai-prompt with tools of a loopback MCP server, through the real tick", () => {
  test("a two-step ai-prompt calls the tool in its first step and hands the answer on", async () => {
    const run = await waitFor("the two-step run", async () => {
      const r = await runOf("e2e mcp two steps");
      return r && ["completed", "failed"].includes(r.status) ? r : undefined;
    }, TICK_WAIT, 500);
    expect(run.error_message).toBeNull();
    expect(run.status).toBe("completed");
    const steps = await admin`select step_order, status, execution_result from scheduler.task_steps where task_id = ${tasks["e2e mcp two steps"]} order by step_order`;
    expect(steps.map((s) => s.status)).toEqual(["completed", "completed"]);
    expect(steps[0].execution_result).toMatchObject({
      content: 'answer(tool: {"id":"o-7","total":42,"status":"shipped"})',
      tool_calls: [{ tool: "lookup_order", server: "e2e-tools", arguments: { id: "o-7" }, result: '{"id":"o-7","total":42,"status":"shipped"}' }],
    });
    expect(run.output).toMatchObject({ content: "answer(Write it up)" });
    expect(tools.calls.filter((c) => c.tool === "lookup_order")).toEqual([{ tool: "lookup_order", args: { id: "o-7" } }]);
    expect(tools.requests.every((h) => h.authorization === "Bearer e2e-key")).toBe(true);
    const [server] = await asUser((tx) => tx`select status, capabilities from scheduler.mcp_servers where name = 'e2e-tools'`);
    expect(server.status).toBe("active");
  }, TICK_WAIT + 10_000);

  test("a tool that needs approval stops the run; approving it resumes the run without repeating the first step", async () => {
    const held = await waitFor("the run held for approval", async () => {
      const r = await runOf("e2e mcp approval");
      return r && r.status !== "queued" && r.status !== "claimed" && r.status !== "running" ? r : undefined;
    }, TICK_WAIT, 500);
    expect(held).toMatchObject({ status: "awaiting_approval", wait_reason: "waiting for approval: the model wants to call send_mail" });
    expect(tools.calls.filter((c) => c.tool === "add" || c.tool === "send_mail").map((c) => c.tool)).toEqual(["add"]);
    const [first] = await admin`select status, execution_completed_at from scheduler.task_steps where task_id = ${tasks["e2e mcp approval"]} and step_order = 1`;
    expect(first.status).toBe("completed");
    const asked = model.received.length;

    // the owner sees what the model wants to do, and approves it
    const [approval] = await asUser((tx) => tx`select id, action_type, details from scheduler.approvals where run_id = ${held.id}`);
    expect(approval).toMatchObject({ action_type: "send_mail", details: { arguments: { to: "boss@example.com", subject: "42" } } });
    const [notice] = await asUser((tx) => tx`select title from scheduler.notifications where run_id = ${held.id}`);
    expect(notice.title).toBe("Approval needed: e2e mcp approval");
    await asUser((tx) => tx`select scheduler.decide_approval(${approval.id}, true, 'go ahead')`);

    const done = await waitFor("the resumed run", async () => {
      const r = await runOf("e2e mcp approval");
      return r && ["completed", "failed", "cancelled"].includes(r.status) ? r : undefined;
    }, TICK_WAIT, 500);
    expect(done.error_message).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.output).toMatchObject({ content: "answer(tool: sent to boss@example.com)" });
    // add once (before the pause), the mail once (after the approval), and step 1 was neither asked again nor rewritten
    expect(tools.calls.filter((c) => c.tool === "add" || c.tool === "send_mail").map((c) => c.tool)).toEqual(["add", "send_mail"]);
    expect(model.received.slice(asked).map((q) => JSON.parse(q.body).messages.at(-1).role)).toEqual(["tool"]);
    const [after] = await admin`select status, execution_completed_at from scheduler.task_steps where task_id = ${tasks["e2e mcp approval"]} and step_order = 1`;
    expect(after).toEqual(first);
  }, TICK_WAIT * 2 + 20_000);
});
