// A watcher end to end on the running stack: pg_cron ticks, pg_net wakes the
// dispatcher, the dispatcher hands the watcher's poll to the watch function
// in Deno, which GETs a loopback JSON feed; record_watcher_poll turns the new
// items into events, and the events start the subscribed task, whose runs
// the dispatcher hands to notify. Nothing here calls the engine: the
// watcher, its subscriber and the feed's changes are what a user would make.
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

const polls = () => admin`
  select id, status, error_message, log_summary from scheduler.task_runs
  where task_id = ${watcherId} and status in ('completed', 'failed') order by scheduled_time, id`;
const events = () => admin`select payload from scheduler.events where task_id = ${watcherId} order by id`;

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
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
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
