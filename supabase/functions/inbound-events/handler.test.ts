// The inbound endpoint against the real database: a delivery signed with the
// user's inbound secret becomes their event and starts their subscribed
// task; one sent again returns the same event (200, duplicate) and starts
// nothing; a bad signature, another secret, an old timestamp or an unknown
// user is 401, and nothing is recorded.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import { createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { webhookHeaders } from "../_shared/standard-webhooks.ts";
import { createHandler } from "./handler.ts";

const sql = connect();
let user = "";
let secret = "";
let taskId = "";
const handler = createHandler({ db: postgresDb(stack.dbUrl), now: () => new Date(), logger: memoryLogger() });

beforeAll(async () => {
  user = await createUser(sql, "inbound");
  await sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: user, role: "authenticated" })}, true)`;
    [{ secret }] = await tx`select scheduler.my_inbound_secret() as secret`;
  });
  // a task of the user subscribed to the event
  [{ id: taskId }] = await sql`insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, is_active)
    values ('on invoice paid', 'event', 'notify', '{"channel": "web", "title": "paid {{inputs.invoice}}"}', ${user}, true) returning id`;
  await sql`insert into scheduler.task_event_triggers (task_id, event_name) values (${taskId}, 'invoice.paid')`;
});
afterAll(async () => {
  await sql`delete from auth.users where id = ${user}`;
  await sql.end();
});

function deliver(body: unknown, opts: { id?: string; secret?: string; at?: number; to?: string } = {}) {
  const text = JSON.stringify(body);
  const headers = webhookHeaders(opts.secret ?? secret, opts.id ?? `msg_${crypto.randomUUID()}`, opts.at ?? Math.floor(Date.now() / 1000), text);
  return handler(new Request(`http://fn/inbound-events/${opts.to ?? user}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: text }));
}

const eventsOf = () => sql`select id, event_type, payload from scheduler.events where user_id = ${user} order by created_at`;

describe("a signed delivery", () => {
  test("becomes the user's event, which starts their subscribed task", async () => {
    const res = await deliver({ type: "invoice.paid", timestamp: new Date().toISOString(), data: { invoice: "inv_1" } }, { id: "msg_first" });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ duplicate: false });
    const events = await eventsOf();
    expect(events.map((e) => [e.id, e.event_type, e.payload])).toEqual([[body.event_id, "invoice.paid", { invoice: "inv_1" }]]);
    const runs = await sql`select triggered_by, inputs from scheduler.task_runs where task_id = ${taskId}`;
    expect(runs).toEqual([{ triggered_by: "event:invoice.paid", inputs: { invoice: "inv_1" } }]);
  });

  test("sent again with the same webhook-id, it returns the existing event and starts nothing", async () => {
    const [first] = await eventsOf();
    const res = await deliver({ type: "invoice.paid", data: { invoice: "inv_1" } }, { id: "msg_first" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ event_id: first.id, duplicate: true });
    expect(await eventsOf()).toHaveLength(1);
    expect(await sql`select 1 from scheduler.task_runs where task_id = ${taskId}`).toHaveLength(1);
  });
});

describe("what is refused", () => {
  test("a signature made with another secret, an old timestamp, or a user who has no secret: 401, nothing recorded", async () => {
    const other = await deliver({ type: "invoice.paid", data: {} }, { secret: "whsec_" + btoa("not the user's secret, not at all!") });
    expect(other.status).toBe(401);
    expect((await other.json()).error.code).toBe("invalid_signature");
    const old = await deliver({ type: "invoice.paid", data: {} }, { at: Math.floor(Date.now() / 1000) - 600 });
    expect(old.status).toBe(401);
    expect((await old.json()).error.message).toMatch(/more than 5 minutes/);
    const nobody = await deliver({ type: "invoice.paid", data: {} }, { to: crypto.randomUUID() });
    expect(nobody.status).toBe(401);
    expect(await eventsOf()).toHaveLength(1);
  });

  test("a body changed after signing is refused", async () => {
    const text = JSON.stringify({ type: "invoice.paid", data: { invoice: "inv_2" } });
    const headers = webhookHeaders(secret, "msg_tampered", Math.floor(Date.now() / 1000), text);
    const res = await handler(new Request(`http://fn/inbound-events/${user}`, { method: "POST", headers, body: text.replace("inv_2", "inv_3") }));
    expect(res.status).toBe(401);
  });

  test("missing headers, a bad shape or no user in the path are named", async () => {
    expect((await handler(new Request(`http://fn/inbound-events/${user}`, { method: "POST", body: "{}" }))).status).toBe(400);
    const shape = await deliver({ type: "", data: [] });
    expect(shape.status).toBe(400);
    expect((await shape.json()).error.code).toBe("invalid_delivery");
    expect((await handler(new Request("http://fn/inbound-events", { method: "POST", body: "{}" }))).status).toBe(404);
    expect((await handler(new Request(`http://fn/inbound-events/${user}`, { method: "GET" }))).status).toBe(405);
  });
});
