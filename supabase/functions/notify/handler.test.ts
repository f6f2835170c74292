// The notify action: web against the real database, email against a
// loopback sink speaking Resend's API, webhooks against a Slack-like sink;
// the handler through the runner with runs claimed from the real database.
import { afterAll, beforeAll, expect, test } from "vitest";
import { jwtSecret, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { RunToExecute } from "../../../shared/contract.ts";
import { claimRuns, createTask } from "../_shared/claims.test-helpers.ts";
import { type Db, postgresDb } from "../_shared/db.ts";
import { runOf, validRun } from "../_shared/fixtures.test-helpers.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler, executeNotifyRun, type NotifyDeps } from "./handler.ts";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";

let sink: Awaited<ReturnType<typeof loopbackServer>>;
const sql = connect();
let ownerId = "";
let taskId = "";
let db: Db;
const waited: Promise<unknown>[] = [];

beforeAll(async () => {
  sink = await loopbackServer((req, res) => {
    if (req.url === "/emails") return void res.writeHead(200, { "content-type": "application/json" }).end('{"id":"email_1"}');
    if (req.url === "/slack") return void res.writeHead(200).end("ok");
    if (req.url === "/down") return void res.writeHead(503).end("later");
    res.writeHead(404).end();
  });
  [{ id: ownerId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`notify-${Date.now()}@test.local`}) returning id`;
  [{ id: taskId }] = await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
    values ('Notify test', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', ${ownerId}) returning id`;
  db = postgresDb(stack.dbUrl)();
});
afterAll(async () => {
  await Promise.allSettled(waited);
  await db.close();
  await sql`delete from auth.users where id = ${ownerId}`;
  await sql.end();
  await sink.close();
});

const deps = (): NotifyDeps => ({
  db: postgresDb(stack.dbUrl),
  fetch,
  now: () => new Date(),
  sleep: async () => {},
  waitUntil: (p) => void waited.push(p),
  resolve: async () => ["127.0.0.1"],
  logger: memoryLogger(),
  auth: { secretKeys, serviceRoleKey, jwtSecret },
  connect: nodeConnect(),
  allowHosts: parseAllowList("127.0.0.1"),
  email: { apiUrl: sink.url, apiKey: "re_test", from: "scheduler@example.com" },
});

/** Executes each run as the runner would once the gate started it. */
async function call(runs: RunToExecute[], overrides: Partial<NotifyDeps> = {}) {
  return await Promise.all(runs.map((r) => executeNotifyRun(validRun("notify", r), db, { ...deps(), ...overrides }))) as any[];
}

test("web writes a notification for the task owner, with templates filled", async () => {
  const [{ id: runId }] = await sql`insert into scheduler.task_runs (task_id, scheduled_time, status) values (${taskId}, now(), 'running') returning id`;
  const run = runOf({ channel: "web", title: "{{task.name}} done", message: "run {{run.id}}" }, {
    action_type: "notify", task_id: taskId, run_id: runId, task: { ...runOf({}).task, id: taskId, owner_id: ownerId, name: "Notify test" },
  });
  const [result] = await call([run]);
  expect(result, result.error_message).toMatchObject({ status: "completed" });
  const [row] = await sql`select user_id, title, message, channel, task_id, data from scheduler.notifications where id = ${result.output.notification_id}`;
  expect(row).toEqual({ user_id: ownerId, title: "Notify test done", message: `run ${run.run_id}`, channel: "web", task_id: taskId, data: { triggered_by: "schedule" } });
});

test("web refuses a user_id the task is not shared with", async () => {
  const [{ id: runId }] = await sql`insert into scheduler.task_runs (task_id, scheduled_time, status) values (${taskId}, now(), 'running') returning id`;
  const [{ id: stranger }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`stranger-${Date.now()}@test.local`}) returning id`;
  try {
    const run = runOf({ channel: "web", title: "spam", user_id: stranger }, {
      action_type: "notify", task_id: taskId, run_id: runId, task: { ...runOf({}).task, id: taskId, owner_id: ownerId },
    });
    const [result] = await call([run]);
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result.error_message).toMatch(/neither the task's owner nor someone it is shared with/);
    const [{ count }] = await sql`select count(*)::int as count from scheduler.notifications where user_id = ${stranger}`;
    expect(count).toBe(0);
  } finally {
    await sql`delete from auth.users where id = ${stranger}`;
  }
});

test("email goes through the email API with an idempotency key: the run's key, else its id", async () => {
  const run = runOf({ channel: "email", to: ["ops@example.com"], subject: "{{task.name}} failed", message: "see run {{run.id}}" }, { action_type: "notify" });
  const [result] = await call([run]);
  expect(result).toMatchObject({ status: "completed", output: { channel: "email", status: 200 } });
  const keyed = runOf({ channel: "email", to: ["ops@example.com"], subject: "s", message: "m" }, { action_type: "notify", idempotency_key: "first-attempt-run-id" });
  expect((await call([keyed]))[0].status).toBe("completed");
  expect(sink.received.filter((r) => r.url === "/emails").map((r) => r.headers["idempotency-key"]).slice(-2)).toEqual([run.run_id, "first-attempt-run-id"]);
  const req = sink.received.find((r) => r.url === "/emails" && r.headers["idempotency-key"] === run.run_id)!;
  expect(req.headers.authorization).toBe("Bearer re_test");
  expect(JSON.parse(req.body)).toEqual({ from: "scheduler@example.com", to: ["ops@example.com"], subject: "Nightly report failed", text: `see run ${run.run_id}` });
});

test("webhook posts a Slack-compatible message; a 503 is retryable", async () => {
  const [ok, down] = await call([
    runOf({ channel: "webhook", url: `${sink.url}/slack`, title: "Alert", message: "{{task.name}}" }, { action_type: "notify" }),
    runOf({ channel: "webhook", url: `${sink.url}/down`, message: "x" }, { action_type: "notify" }),
  ]);
  expect(ok.status).toBe("completed");
  expect(JSON.parse(sink.received.find((r) => r.url === "/slack")!.body)).toEqual({ text: "*Alert*\nNightly report" });
  expect(down).toMatchObject({ status: "failed", retryable: true });
});

test("a Discord webhook gets Discord's bold, not Slack's", async () => {
  const [ok] = await call([
    runOf({ channel: "webhook", url: `${sink.url}/slack`, format: "discord", title: "Alert", message: "{{task.name}}" }, { action_type: "notify" }),
  ]);
  expect(ok.status).toBe("completed");
  expect(JSON.parse(sink.received.filter((r) => r.url === "/slack").pop()!.body)).toEqual({ content: "**Alert**\nNightly report" });
});

test("webhooks go through the SSRF guard", async () => {
  const [result] = await call([runOf({ channel: "webhook", url: "http://169.254.169.254/hook", message: "x" }, { action_type: "notify" })], { allowHosts: new Set() });
  expect(result).toMatchObject({ status: "failed", retryable: false });
  expect(result.error_message).toMatch(/^refused/);
});

test("an invalid payload fails the run with the reason, without delivering; the valid run beside it is delivered", async () => {
  const now = new Date("2043-01-01T00:00:00.000Z");
  const bad = await createTask(sql, { owner: ownerId, action_type: "notify", action_payload: { channel: "web", title: "never" }, run_at: now, max_attempts: 3 });
  const good = await createTask(sql, { owner: ownerId, action_type: "notify", action_payload: { channel: "web", title: "hello {{task.name}}" }, run_at: now });
  const worker = `notify-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now, worker, taskIds: [bad, good] });
  expect(runs).toHaveLength(2);
  const sent = runs.map((r) => r.task_id === bad ? { ...r, payload: { channel: "pigeon", message: "coo" } } : r);
  const res = await createHandler({ ...deps(), now: () => now })(new Request("http://fn/notify", {
    method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs: sent }),
  }));
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: 1, rejected: 1 });
  await waited.at(-1);
  const rows = await sql`select task_id, status, attempt, error_message from scheduler.task_runs where task_id = any(${[bad, good]})`;
  const badRow = rows.find((r) => r.task_id === bad)!;
  expect(badRow).toMatchObject({ status: "failed", attempt: 1 });
  expect(badRow.error_message).toMatch(/^invalid notify payload/);
  expect(rows.find((r) => r.task_id === good)!.status).toBe("completed");
  expect(rows).toHaveLength(2); // not retried
  const notes = await sql`select task_id, title from scheduler.notifications where task_id = any(${[bad, good]}) and type = 'info'`;
  expect(notes.map((n) => n.task_id)).toEqual([good]);
});
