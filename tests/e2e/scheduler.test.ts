// End to end on the running test stack: pg_cron ticks, pg_net calls the
// dispatcher through the gateway, the dispatcher claims and fans out to the
// http, ai-prompt and notify functions in Deno, and the results land in the
// database. Nothing here calls the engine directly: tasks are inserted as a
// user would, and the test waits for the real minute tick.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
const TICK_WAIT = 150_000; // the next minute boundary, plus the dispatcher's work

let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let model: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
let secret = "";
const tasks: Record<string, string> = {};

async function asUser<T>(work: (tx: typeof admin) => Promise<T>): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    return work(tx as unknown as typeof admin);
  }) as Promise<T>;
}

async function insertTask(name: string, fields: Record<string, unknown>) {
  const row = { name, owner_id: userId, created_by: userId, ...fields };
  const [{ id }] = await admin`insert into scheduler.tasks ${admin(row as never)} returning id`;
  tasks[name] = id;
  return id as string;
}

const runsOf = (name: string) => admin`
  select id, status, attempt, triggered_by, output, error_message from scheduler.task_runs
  where task_id = ${tasks[name]} order by attempt, created_at`;

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    if (req.url.startsWith("/fail")) return void res.writeHead(500).end("down for maintenance");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: true }));
  });
  model = await loopbackServer((req, res) => {
    const body = JSON.parse(req.body);
    const last = body.messages.at(-1).content;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
      model: body.model, choices: [{ message: { role: "assistant", content: `reply to: ${last}` }, finish_reason: "stop" }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    }));
  }, Number(process.env.E2E_MODEL_API_PORT ?? 54339));

  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-${Date.now()}@test.local`}) returning id`;
  secret = await asUser(async (tx) => (await tx`select scheduler.my_signing_secret() as s`)[0].s);

  await insertTask("ping", { action_type: "http", schedule_cron: "* * * * *", action_payload: { url: `${receiver.url}/ok`, method: "POST", body: { task: "{{task.name}}" } } });
  // a one-off at the next minute boundary: one due time, so its attempts are the only runs
  const nextMinute = new Date(Math.ceil((Date.now() + 1000) / 60_000) * 60_000);
  await insertTask("broken", {
    action_type: "http", run_at: nextMinute, max_attempts: 2, retry_backoff_seconds: 1,
    action_payload: { url: `${receiver.url}/fail`, method: "POST", body: "{}" },
  });
  // an ai-prompt task without a prompt needs its steps: created inactive, its
  // steps added by separate requests (as supabase-js does), then activated
  const workflow = await insertTask("workflow", { type: "manual", action_type: "ai-prompt", action_payload: { system: "terse" }, is_active: false });
  await admin`insert into scheduler.task_steps (task_id, step_order, step_name, instructions, include_previous_context) values
    (${workflow}, 1, 'draft', 'Write a line about {{task.name}}', false),
    (${workflow}, 2, 'polish', 'Polish it', true)`;
  await admin`update scheduler.tasks set is_active = true where id = ${workflow}`;
  await insertTask("hello", { type: "manual", action_type: "notify", action_payload: { channel: "web", title: "Hello from {{task.name}}", message: "run {{run.id}}" } });
  const onEvent = await insertTask("on-event", { type: "event", action_type: "notify", action_payload: { channel: "web", title: "Event {{run.triggered_by}}", message: "order {{inputs.order}}: {{inputs}}" } });
  await admin`insert into scheduler.task_event_triggers (task_id, event_name) values (${onEvent}, 'e2e_order_placed')`;

  // immediate work: a manual run and an event, both dispatched at once through pg_net
  await asUser((tx) => tx`select scheduler.run_task_now(${workflow})`);
  await asUser((tx) => tx`select scheduler.run_task_now(${tasks.hello})`);
  await asUser((tx) => tx`insert into scheduler.events (event_type, user_id, payload) values ('e2e_order_placed', ${userId}, '{"order": 42}')`);
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
  await receiver?.close();
  await model?.close();
});

describe("through pg_cron, pg_net, the dispatcher and the functions", () => {
  test("a user's cron http task is delivered, signed, and recorded as completed with the response", async () => {
    const run = await waitFor("the ping run to finish", async () => {
      const [r] = (await runsOf("ping")).filter((r) => r.status === "completed" || r.status === "failed");
      return r;
    }, TICK_WAIT, 500);
    expect(run).toMatchObject({ status: "completed", triggered_by: "schedule", output: { status: 200, body: '{"received":true}' } });
    const req = receiver.received.find((r) => r.headers["webhook-id"] === run.id)!;
    expect(JSON.parse(req.body)).toEqual({ task: "ping" });
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${run.id}.${req.headers["webhook-timestamp"]}.${req.body}`).digest("base64");
    expect(req.headers["webhook-signature"]).toBe(`v1,${expected}`);
  }, TICK_WAIT + 10_000);

  test("a receiver answering 500 gets a retry with attempt 2, then a final failure and a notification", async () => {
    const runs = await waitFor("two failed attempts", async () => {
      const rs = await runsOf("broken");
      return rs.filter((r) => r.status === "failed").length >= 2 ? rs : undefined;
    }, TICK_WAIT, 500);
    expect(runs.slice(0, 2).map((r) => [r.attempt, r.status, r.triggered_by])).toEqual([[1, "failed", "schedule"], [2, "failed", "retry"]]);
    expect(runs[1].error_message).toMatch(/answered 500/);
    expect(runs[1].output).toMatchObject({ status: 500, body: "down for maintenance" });
    const [note] = await admin`select title, type from scheduler.notifications where task_id = ${tasks.broken} and user_id = ${userId}`;
    expect(note).toEqual({ title: "Task failed: broken", type: "error" });
  }, TICK_WAIT + 10_000);

  test("run now: a two-step ai-prompt workflow passes context from step to step", async () => {
    const run = await waitFor("the workflow run", async () => (await runsOf("workflow")).find((r) => r.status === "completed" || r.status === "failed"), 60_000, 250);
    expect(run).toMatchObject({ status: "completed", triggered_by: "manual", output: { content: "reply to: Polish it", usage: { total_tokens: 14 } } });
    const polish = model.received.map((r) => JSON.parse(r.body)).find((b) => b.messages.at(-1).content === "Polish it");
    expect(polish.messages).toEqual([
      { role: "system", content: "terse" },
      { role: "user", content: "Write a line about workflow" },
      { role: "assistant", content: "reply to: Write a line about workflow" },
      { role: "user", content: "Polish it" },
    ]);
    const steps = await admin`select step_order, status, retry_count from scheduler.task_steps where task_id = ${tasks.workflow} order by step_order`;
    expect(steps).toEqual([{ step_order: 1, status: "completed", retry_count: 0 }, { step_order: 2, status: "completed", retry_count: 0 }]);
  }, 70_000);

  test("run now: a notify task writes a web notification", async () => {
    const run = await waitFor("the hello run", async () => (await runsOf("hello")).find((r) => r.status === "completed" || r.status === "failed"), 60_000, 250);
    expect(run.status).toBe("completed");
    const [note] = await admin`select title, message, channel from scheduler.notifications where run_id = ${run.id}`;
    expect(note).toEqual({ title: "Hello from hello", message: `run ${run.id}`, channel: "web" });
  }, 70_000);

  test("an event starts its subscribed task at once", async () => {
    const run = await waitFor("the event run", async () => (await runsOf("on-event")).find((r) => r.status === "completed" || r.status === "failed"), 60_000, 250);
    expect(run).toMatchObject({ status: "completed", triggered_by: "event:e2e_order_placed" });
    const [note] = await admin`select title, message from scheduler.notifications where run_id = ${run.id}`;
    // the event's payload is the run's inputs, as the README documents
    expect(note).toEqual({ title: "Event event:e2e_order_placed", message: 'order 42: {"order":42}' });
  }, 70_000);
});
