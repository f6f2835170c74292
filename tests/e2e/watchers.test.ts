// A watcher end to end on the running stack: pg_cron ticks, pg_net wakes the
// dispatcher, the dispatcher hands the watcher's poll to the watch function
// in Deno, which GETs a loopback JSON feed; record_watcher_poll turns the new
// items into events, and the events start the subscribed task, whose runs
// the dispatcher hands to notify. A second watcher polls a database function
// of the test's own instead (source.type sql): the watch function calls it as
// the watcher's owner, so the table's RLS decides which rows it sees, and
// exactly the owner's new rows become events. Nothing here calls the engine:
// the watchers, their subscribers and the changes are what a user would make.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
const TICK_WAIT = 150_000; // the next minute boundary, plus the dispatcher's work

let feed: Awaited<ReturnType<typeof loopbackServer>>;
let orders: { id: string; total: number }[] = [{ id: "o-1", total: 10 }, { id: "o-2", total: 20 }];
let userId = "";
let watcherId = "";
let subscriberId = "";

// the function watcher's own table and function
const suffix = `${Date.now()}`;
const tickets = `public.e2e_watch_tickets_${suffix}`;
const openTickets = `public.e2e_watch_open_tickets_${suffix}`;
let otherUserId = "";
let fnWatcherId = "";
let fnSubscriberId = "";

const pollsOf = (taskId: string) => admin`
  select id, status, error_message, output, log_summary from scheduler.task_runs
  where task_id = ${taskId} and status in ('completed', 'failed') order by scheduled_time, id`;
const polls = () => pollsOf(watcherId);
const eventsOf = (taskId: string) => admin`select payload from scheduler.events where task_id = ${taskId} order by id`;
const events = () => eventsOf(watcherId);
/** Writes as `user`, the way supabase-js would. */
const asUser = <T>(user: string, work: (tx: Parameters<Parameters<typeof admin.begin>[0]>[0]) => Promise<T>) =>
  admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: user, role: "authenticated" })}, true)`;
    return work(tx);
  });
const addTicket = (user: string, subject: string) => asUser(user, (tx) => tx.unsafe(`insert into ${tickets} (subject) values ($1)`, [subject]));

beforeAll(async () => {
  feed = await loopbackServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { orders } }));
  });
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-watch-${Date.now()}@test.local`}) returning id`;
  // as the user, the way supabase-js would insert them
  await admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    [{ id: watcherId }] = await tx`
      insert into scheduler.tasks (name, schedule_cron, action_type, action_payload)
      values ('e2e new orders', '*/10 * * * * *', 'watch', ${tx.json({
        source: { type: "http", url: `${feed.url}/orders.json` }, items: "/data/orders", key: "id",
      })}) returning id`;
    [{ id: subscriberId }] = await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload)
      values ('e2e handle order', 'event', 'notify', ${tx.json({ channel: "web", title: "Order {{inputs.key}}", message: "total {{inputs.item.total}}" })})
      returning id`;
    await tx`insert into scheduler.task_event_triggers (task_id, event_name) values (${subscriberId}, 'e2e new orders')`;
  });

  // an app's table under RLS, and a function over it the app grants to signed-in users
  [{ id: otherUserId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-watch-other-${Date.now()}@test.local`}) returning id`;
  await admin.unsafe(`
    create table ${tickets} (id bigint generated always as identity primary key, user_id uuid not null default auth.uid(), subject text not null);
    alter table ${tickets} enable row level security;
    grant select, insert on ${tickets} to authenticated;
    create policy "Tickets are read by their users" on ${tickets} for select to authenticated using (user_id = (select auth.uid()));
    create policy "Tickets are filed by their users" on ${tickets} for insert to authenticated with check (user_id = (select auth.uid()));
    create function ${openTickets}() returns setof ${tickets} language sql stable as $$ select * from ${tickets} order by id $$;
    revoke execute on function ${openTickets}() from public;
    grant execute on function ${openTickets}() to authenticated;
  `);
  await addTicket(userId, "printer on fire");
  await addTicket(otherUserId, "someone else's ticket");
  await asUser(userId, async (tx) => {
    [{ id: fnWatcherId }] = await tx`
      insert into scheduler.tasks (name, schedule_cron, action_type, action_payload)
      values ('e2e new tickets', '*/10 * * * * *', 'watch', ${tx.json({ source: { type: "sql", function: openTickets }, key: "id" })}) returning id`;
    [{ id: fnSubscriberId }] = await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload)
      values ('e2e handle ticket', 'event', 'notify', ${tx.json({ channel: "web", title: "Ticket {{inputs.key}}", message: "{{inputs.item.subject}}" })})
      returning id`;
    await tx`insert into scheduler.task_event_triggers (task_id, event_name) values (${fnSubscriberId}, 'e2e new tickets')`;
  });
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = any(${[userId, otherUserId].filter(Boolean)})`;
  await admin.unsafe(`drop function if exists ${openTickets}(); drop table if exists ${tickets}`);
  await admin.end();
  await feed?.close();
});

describe("a watcher over a loopback JSON feed, through the real tick", () => {
  test("its first poll remembers the feed without events", async () => {
    const [first] = await waitFor("the watcher's first poll", async () => {
      const rs = await polls();
      return rs.length ? rs : undefined;
    }, TICK_WAIT, 500);
    expect(first).toMatchObject({ status: "completed", log_summary: { items_seen: 2, seeded: 2, emitted: 0, first_poll: true } });
    expect(await events()).toEqual([]);
    const [state] = await admin`select error_count, last_success_at is not null as polled from scheduler.watchers where task_id = ${watcherId}`;
    expect(state).toEqual({ error_count: 0, polled: true });
  }, TICK_WAIT + 10_000);

  test("new orders become exactly one event each, in order, and start the subscribed task once per order", async () => {
    orders = [{ id: "o-4", total: 40 }, { id: "o-3", total: 30 }, ...orders];
    const emitted = await waitFor("the new orders' events", async () => {
      const es = await events();
      return es.length >= 2 ? es : undefined;
    }, TICK_WAIT, 500);
    expect(emitted.map((e) => e.payload)).toEqual([
      { key: "o-4", item: { id: "o-4", total: 40 } },
      { key: "o-3", item: { id: "o-3", total: 30 } },
    ]);
    const handled = await waitFor("the subscribed task's two runs", async () => {
      const rs = await admin`select status, triggered_by, inputs ->> 'key' as key from scheduler.task_runs where task_id = ${subscriberId} order by id`;
      return rs.length >= 2 && rs.every((r) => r.status === "completed") ? rs : undefined;
    }, 60_000, 250);
    expect(handled).toEqual([
      { status: "completed", triggered_by: "event:e2e new orders", key: "o-4" },
      { status: "completed", triggered_by: "event:e2e new orders", key: "o-3" },
    ]);
    const notes = await admin`select title, message from scheduler.notifications where task_id = ${subscriberId} and user_id = ${userId} order by created_at, title desc`;
    expect(notes.map((n) => `${n.title}: ${n.message}`).sort()).toEqual(["Order o-3: total 30", "Order o-4: total 40"]);

    // another poll of the same feed emits nothing more
    const before = (await polls()).length;
    await waitFor("one more poll", async () => ((await polls()).length > before ? true : undefined), TICK_WAIT, 500);
    expect((await events()).length).toBe(2);
    const last = (await polls()).at(-1)!;
    expect(last).toMatchObject({ status: "completed", log_summary: { items_seen: 4, new: 0, emitted: 0 } });
    expect(feed.received.every((r) => r.method === "GET" && r.headers["webhook-signature"]?.startsWith("v1,"))).toBe(true);
  }, TICK_WAIT * 2 + 70_000);
});

describe("a watcher over a database function of the app's own, through the real tick", () => {
  test("it polls as its owner under RLS: the first poll remembers the owner's rows, then exactly the owner's new rows start the subscribed task", async () => {
    const [first] = await waitFor("the function watcher's first poll", async () => {
      const rs = await pollsOf(fnWatcherId);
      return rs.length ? rs : undefined;
    }, TICK_WAIT, 500);
    expect(first).toMatchObject({ status: "completed", output: { function: `${openTickets}()`, role: "authenticated" } });
    // the other user's ticket is not the owner's to see
    expect(first.log_summary).toMatchObject({ items_seen: 1, seeded: 1, emitted: 0, first_poll: true });
    expect(await eventsOf(fnWatcherId)).toEqual([]);

    await addTicket(userId, "coffee machine empty");
    await addTicket(otherUserId, "another one not theirs");
    await addTicket(userId, "wifi down");
    const emitted = await waitFor("the new tickets' events", async () => {
      const es = await eventsOf(fnWatcherId);
      return es.length >= 2 ? es : undefined;
    }, TICK_WAIT, 500);
    expect(emitted.map((e) => [e.payload.item.user_id, e.payload.item.subject])).toEqual([[userId, "coffee machine empty"], [userId, "wifi down"]]);
    expect(emitted.map((e) => e.payload.key)).toEqual(emitted.map((e) => String(e.payload.item.id)));
    const handled = await waitFor("the subscribed task's two runs", async () => {
      const rs = await admin`select status, triggered_by, inputs -> 'item' ->> 'subject' as subject from scheduler.task_runs where task_id = ${fnSubscriberId} order by id`;
      return rs.length >= 2 && rs.every((r) => r.status === "completed") ? rs : undefined;
    }, 60_000, 250);
    expect(handled).toEqual([
      { status: "completed", triggered_by: "event:e2e new tickets", subject: "coffee machine empty" },
      { status: "completed", triggered_by: "event:e2e new tickets", subject: "wifi down" },
    ]);

    // another poll emits nothing more
    const before = (await pollsOf(fnWatcherId)).length;
    await waitFor("one more poll", async () => ((await pollsOf(fnWatcherId)).length > before ? true : undefined), TICK_WAIT, 500);
    expect((await eventsOf(fnWatcherId)).length).toBe(2);
    expect((await pollsOf(fnWatcherId)).at(-1)).toMatchObject({ status: "completed", log_summary: { items_seen: 3, new: 0, emitted: 0 } });
  }, TICK_WAIT * 2 + 70_000);
});
