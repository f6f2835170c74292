// The event sources end to end, on the running test stack: a row change on
// the user's own table (scheduler.emit_event attached as a trigger) and a
// signed delivery to the inbound-events function through the gateway each
// start the user's subscribed task at once, and the real dispatch delivers
// the run (woken by the event's write, not by the minute tick). The same
// webhook-id sent again is the same event (its idempotency_key) and starts
// nothing more; another user's row is that user's event, never this one's.
import { afterAll, beforeAll, expect, test } from "vitest";
import { webhookHeaders } from "../../supabase/functions/_shared/standard-webhooks.ts";
import { connect, stack, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 2);
const WAIT = 150_000; // a wake at once; the next minute's tick at the latest
let userId = "";
let otherId = "";
let inboundSecret = "";
const tasks: Record<string, string> = {};

function asUser<T>(id: string, work: (tx: typeof admin) => Promise<T>): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: id, role: "authenticated" })}, true)`;
    return work(tx as unknown as typeof admin);
  }) as Promise<T>;
}

const runsOf = (name: string) => admin`
  select id, status, triggered_by, event_id, inputs, error_message from scheduler.task_runs
  where task_id = ${tasks[name]} order by created_at`;

beforeAll(async () => {
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-events-${Date.now()}@test.local`}) returning id`;
  [{ id: otherId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-events-other-${Date.now()}@test.local`}) returning id`;
  // the app's own table, and the trigger its owner attaches (as postgres, in a migration)
  await admin.unsafe(`
    create table public.e2e_orders (id serial primary key, user_id uuid not null default auth.uid(), total integer not null);
    alter table public.e2e_orders enable row level security;
    grant select, insert on public.e2e_orders to authenticated;
    grant usage on sequence public.e2e_orders_id_seq to authenticated;
    create policy e2e_orders_own on public.e2e_orders for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
    create trigger e2e_order_created after insert on public.e2e_orders
    for each row execute function scheduler.emit_event('e2e_order_created', 'user_id');`);
  await asUser(userId, async (tx) => {
    for (const [name, event, title] of [
      ["on order", "e2e_order_created", "order {{inputs.record.total}}"],
      ["on paid", "e2e_invoice.paid", "paid {{inputs.invoice}}"],
    ]) {
      const [{ id }] = await tx`insert into scheduler.tasks (name, type, action_type, action_payload)
        values (${name}, 'event', 'notify', ${tx.json({ channel: "web", title } as never)}) returning id`;
      tasks[name] = id;
      await tx`insert into scheduler.task_event_triggers (task_id, event_name) values (${id}, ${event})`;
    }
    [{ s: inboundSecret }] = await tx`select scheduler.my_inbound_secret() as s`;
  });
}, 60_000);

afterAll(async () => {
  await admin.unsafe("drop table if exists public.e2e_orders cascade");
  for (const id of [userId, otherId].filter(Boolean)) {
    // the events' keys would wait for the daily pruning
    await admin`delete from scheduler_internal.idempotency_keys where scope = 'events' and scope_id = ${id}`;
    await admin`delete from auth.users where id = ${id}`;
  }
  await admin.end();
});

test("a row the user inserts into their own table starts their subscribed task at once, with the row as inputs", async () => {
  await asUser(userId, (tx) => tx`insert into public.e2e_orders (total) values (42)`);
  // another user's row is their event: it starts nothing of this user's
  await asUser(otherId, (tx) => tx`insert into public.e2e_orders (total) values (7)`);
  const [run] = await waitFor("the event run to finish", async () => {
    const rs = await runsOf("on order");
    return rs.length > 0 && rs.every((r) => r.status === "completed" || r.status === "failed") ? rs : undefined;
  }, WAIT, 250);
  expect(run).toMatchObject({ status: "completed", triggered_by: "event:e2e_order_created" });
  expect(run.inputs).toMatchObject({ type: "INSERT", table: "e2e_orders", schema: "public", record: { total: 42, user_id: userId } });
  expect(await runsOf("on order")).toHaveLength(1);
  const [{ n }] = await admin`select count(*)::int as n from scheduler.events where user_id = ${userId} and event_type = 'e2e_order_created'`;
  expect(n).toBe(1);
}, WAIT + 10_000);

test("a signed delivery to inbound-events through the gateway starts the task; the same webhook-id again is the same event and starts nothing", async () => {
  const body = JSON.stringify({ type: "e2e_invoice.paid", data: { invoice: "inv_e2e" } });
  const post = () => fetch(`${stack.url}/functions/v1/inbound-events/${userId}`, {
    method: "POST",
    headers: { ...webhookHeaders(inboundSecret, "msg_e2e_1", Math.floor(Date.now() / 1000), body), "content-type": "application/json" },
    body,
  });
  const first = await post();
  expect(first.status).toBe(201);
  const recorded = await first.json();
  expect(recorded).toMatchObject({ duplicate: false });
  const again = await post();
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ event_id: recorded.event_id, duplicate: true });

  const [{ key }] = await admin`select idempotency_key as key from scheduler.events where id = ${recorded.event_id}`;
  expect(key).toBe("msg_e2e_1");
  const [run] = await waitFor("the inbound event's run to finish", async () => {
    const rs = await runsOf("on paid");
    return rs.length > 0 && rs.every((r) => r.status === "completed" || r.status === "failed") ? rs : undefined;
  }, WAIT, 250);
  expect(run).toMatchObject({ status: "completed", triggered_by: "event:e2e_invoice.paid", event_id: recorded.event_id });
  expect(run.inputs).toEqual({ invoice: "inv_e2e" });
  expect(await runsOf("on paid")).toHaveLength(1);
}, WAIT + 10_000);
