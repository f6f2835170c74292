// The edge-function action against the real database and the real
// hello-scheduler handler on a loopback port (standing in for
// /functions/v1): the call is signed for its run and owner (verified by the
// called function with the owner's function_secret), carries only
// anon-level keys, uses the idempotency key as webhook-id, and a name taken
// off the allow-list since the task was written is not called. 2044 clocks.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anonKey, publishableKey, secretKey, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { BatchSummary } from "../_shared/action-runner.ts";
import { claimRuns, createTask, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { webhookHeaders } from "../_shared/standard-webhooks.ts";
import { createHandler as createHello } from "../hello-scheduler/handler.ts";
import { anonCallHeaders, createHandler } from "./handler.ts";

const sql = connect();
let owner = "";
let target: Awaited<ReturnType<typeof loopbackServer>>;
let allowlistBefore: unknown;
let slot = 0;
const nextSlot = () => new Date(Date.UTC(2044, 0, 1, slot++, 0, 0));
/** The called function's clock: the dispatch's pinned time while it runs (webhook-timestamp is checked against it). */
let helloOffset = 0;
const hello = createHello({ db: postgresDb(stack.dbUrl), now: () => new Date(Date.now() + helloOffset), logger: memoryLogger() });

beforeAll(async () => {
  owner = await createUser(sql, "edge-function-action");
  [{ value: allowlistBefore }] = await sql`select value from scheduler_internal.settings where key = 'edge_function_allowlist'`;
  await sql`update scheduler_internal.settings set value = '["hello-scheduler", "soon-removed"]' where key = 'edge_function_allowlist'`;
  // the real example function, as the gateway would hand it the request
  target = await loopbackServer(async (req, res) => {
    const answer = await hello(new Request(`http://fn${req.url}`, { method: req.method, headers: req.headers as HeadersInit, body: req.body }));
    res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
});
afterAll(async () => {
  await sql`update scheduler_internal.settings set value = ${sql.json(allowlistBefore as never)} where key = 'edge_function_allowlist'`;
  await sql`delete from auth.users where id = ${owner}`;
  await sql.end();
  await target.close();
});

async function dispatch(now: Date, taskIds: string[]): Promise<BatchSummary> {
  const worker = `edge-function-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now, worker, taskIds });
  const waited: Promise<unknown>[] = [];
  const offset = now.getTime() - Date.now();
  helloOffset = offset;
  const handler = createHandler({
    db: postgresDb(stack.dbUrl),
    fetch,
    now: () => new Date(Date.now() + offset),
    sleep: async () => {},
    waitUntil: (p) => void waited.push(p),
    logger: memoryLogger(),
    auth: { secretKeys: { default: secretKey }, serviceRoleKey },
    functionsUrl: `${target.url}/functions/v1`,
    callHeaders: anonCallHeaders(anonKey, JSON.stringify({ default: publishableKey })),
  });
  const res = await handler(new Request("http://fn/edge-function", {
    method: "POST", headers: { apikey: secretKey }, body: JSON.stringify({ worker, runs }),
  }));
  expect(res.status).toBe(202);
  const summary = (await waited[0]) as BatchSummary;
  helloOffset = 0;
  return summary;
}

const runsOf = (taskId: string) => sql`select id, status, error_message, output, idempotency_key from scheduler.task_runs where task_id = ${taskId}`;

describe("a call of a function of the project", () => {
  test("is signed for its run and owner, and the called function verifies it", async () => {
    const now = nextSlot();
    const t = await createTask(sql, { owner, action_type: "edge-function", action_payload: { function: "hello-scheduler", body: { task: "{{task.name}}" } }, run_at: now });
    await dispatch(now, [t]);
    const [run] = await runsOf(t);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ function: "hello-scheduler", status: 200 });
    const answer = JSON.parse(run.output.body);
    expect(answer).toMatchObject({ hello: owner, run_id: run.id, task: "runner test", idempotency_key: run.id, body: { task: "runner test" } });
    const req = target.received.find((r) => r.headers["x-scheduler-run-id"] === run.id)!;
    expect(req.url).toBe("/functions/v1/hello-scheduler");
    expect(req.headers["webhook-id"]).toBe(run.id);
  });

  test("carries only the anon-level keys: never a service key", async () => {
    const now = nextSlot();
    const t = await createTask(sql, { owner, action_type: "edge-function", action_payload: { function: "hello-scheduler" }, run_at: now });
    await dispatch(now, [t]);
    const [run] = await runsOf(t);
    const req = target.received.find((r) => r.headers["x-scheduler-run-id"] === run.id)!;
    expect(req.headers.authorization).toBe(`Bearer ${anonKey}`);
    expect(req.headers.apikey).toBe(publishableKey);
    const everything = JSON.stringify(req);
    expect(everything).not.toContain(secretKey);
    expect(everything).not.toContain(serviceRoleKey);
  });

  test("a function taken off the allow-list since the task was written is not called", async () => {
    const now = nextSlot();
    const t = await createTask(sql, { owner, action_type: "edge-function", action_payload: { function: "soon-removed" }, run_at: now });
    await sql`update scheduler_internal.settings set value = '["hello-scheduler"]' where key = 'edge_function_allowlist'`;
    const before = target.received.length;
    await dispatch(now, [t]);
    const [run] = await runsOf(t);
    expect(run.status).toBe("failed");
    expect(run.error_message).toMatch(/^not called: function: soon-removed is not in the edge_function_allowlist setting/);
    expect(target.received.length).toBe(before);
  });
});

describe("the called function's check (hello-scheduler)", () => {
  const call = (headers: Record<string, string>, body: string) =>
    fetch(`${target.url}/functions/v1/hello-scheduler`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const envelope = (ownerId: string) => JSON.stringify({ type: "scheduler.run", timestamp: new Date().toISOString(), data: { owner_id: ownerId, run_id: crypto.randomUUID() } });

  test("refuses a call signed with another secret, such as the owner's http signing secret", async () => {
    const [{ secret }] = await sql`select secret from scheduler_internal.signing_secrets where user_id = ${owner}`;
    const body = envelope(owner);
    const res = await call({ "x-scheduler-owner-id": owner, ...webhookHeaders(secret, "msg_forged", Math.floor(Date.now() / 1000), body) }, body);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/bad signature/);
  });

  test("refuses a signed body that names another owner than the one whose secret signed it", async () => {
    const [{ function_secret }] = await sql`select function_secret from scheduler_internal.signing_secrets where user_id = ${owner}`;
    const body = envelope(crypto.randomUUID());
    const res = await call({ "x-scheduler-owner-id": owner, ...webhookHeaders(function_secret, "msg_other", Math.floor(Date.now() / 1000), body) }, body);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/another owner/);
  });

  test("refuses a call without the scheduler's headers", async () => {
    expect((await call({}, envelope(owner))).status).toBe(401);
  });
});
