// The watch action against a real loopback JSON server and the real
// database: runs claimed the way the dispatcher claims them, through the
// shared runner, each poll recorded by scheduler.record_watcher_poll or
// scheduler.record_watcher_error. Exactly the new items become events, the
// poll is signed, the cursor reaches the URL, and every bad input (a private
// or unreachable URL, an error status, an answer over the limit or not JSON,
// items that match nothing) fails the run with a clear error and loses
// nothing an earlier poll did. A watcher whose source is a database function
// (source.type sql) calls it as its owner, under RLS, with the sql action's
// rules; its result is picked and deduped the same way. Clocks are pinned in
// 2044, so the live stack's dispatcher never sees these tasks.
import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jwtSecret, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { BatchSummary } from "../_shared/action-runner.ts";
import { claimRuns, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler, type WatchDeps } from "./handler.ts";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";

const sql = connect();
const owners: string[] = [];
const waited: Promise<unknown>[] = [];
let feed: Awaited<ReturnType<typeof loopbackServer>>;
let owner = "";
let other = "";
/** What the feed answers, per path: a JSON body, or a raw [status, body, headers]. */
const answers = new Map<string, unknown>();
let clock = Date.parse("2044-01-01T00:00:00.000Z");

function deps(overrides: Partial<WatchDeps> = {}): WatchDeps {
  return {
    db: postgresDb(stack.dbUrl),
    fetch,
    now: () => new Date(clock),
    sleep: async () => {},
    waitUntil: (p) => void waited.push(p),
    connect: nodeConnect(),
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger: memoryLogger(),
    auth: { secretKeys, serviceRoleKey, jwtSecret },
    allowHosts: parseAllowList("127.0.0.1"),
    ...overrides,
  };
}

beforeAll(async () => {
  feed = await loopbackServer((req, res) => {
    const path = req.url.split("?")[0];
    const answer = answers.get(path);
    if (answer === undefined) return void res.writeHead(404).end("no such feed");
    if (Array.isArray(answer) && answer[0] === "raw") {
      const [, status, body, headers] = answer as [string, number, string, Record<string, string>];
      return void res.writeHead(status, headers ?? {}).end(body);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  owner = await createUser(sql, "watch-handler");
  other = await createUser(sql, "watch-handler-other");
  owners.push(owner, other);
  // a table of the app's own under RLS, and functions over it that the owner may call
  await sql.unsafe(`
    create table public.vt_watch_notes (id bigint generated always as identity primary key, user_id uuid not null, body text not null);
    alter table public.vt_watch_notes enable row level security;
    grant select on public.vt_watch_notes to authenticated;
    create policy "Notes are read by their users" on public.vt_watch_notes for select to authenticated using (user_id = (select auth.uid()));
    create table public.vt_watch_calls (id bigint generated always as identity primary key, at timestamptz default now());
    grant insert on public.vt_watch_calls to authenticated;
    create function public.vt_watch_my_notes(p_after text default '') returns setof public.vt_watch_notes language sql stable as $$
      select * from public.vt_watch_notes where id > coalesce(nullif(p_after, '')::bigint, 0) order by id
    $$;
    create function public.vt_watch_counted_notes() returns setof public.vt_watch_notes language sql volatile as $$
      insert into public.vt_watch_calls default values;
      select * from public.vt_watch_notes order by id
    $$;
    create function public.vt_watch_status(p_value text) returns jsonb language sql immutable as $$ select jsonb_build_object('status', p_value) $$;
    create function public.vt_watch_fail() returns setof public.vt_watch_notes language plpgsql as $$
    begin
      raise exception 'the ledger is closed' using errcode = 'P0001', hint = 'open it first';
    end $$;
    create function public.vt_watch_revoked() returns jsonb language sql as $$ select '[]'::jsonb $$;
    revoke execute on function public.vt_watch_my_notes(text), public.vt_watch_counted_notes(), public.vt_watch_status(text),
      public.vt_watch_fail(), public.vt_watch_revoked() from public;
    grant execute on function public.vt_watch_my_notes(text), public.vt_watch_counted_notes(), public.vt_watch_status(text),
      public.vt_watch_fail(), public.vt_watch_revoked() to authenticated;
  `);
});
afterAll(async () => {
  await Promise.allSettled(waited);
  await sql.unsafe(`drop table if exists public.vt_watch_notes, public.vt_watch_calls cascade;
    drop function if exists public.vt_watch_my_notes(text), public.vt_watch_counted_notes(), public.vt_watch_status(text),
      public.vt_watch_fail(), public.vt_watch_revoked()`);
  await sql`delete from auth.users where id = any(${owners})`;
  await sql.end();
  await feed.close();
});

/** A watcher of `path` on the feed (a manual task: it polls when a run is queued), and an event task subscribed to it. */
async function watcher(name: string, payload: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  const { source, ...rest } = payload as { source?: Record<string, unknown> };
  const action_payload = JSON.parse(JSON.stringify({ source: { type: "http", url: `${feed.url}/${name}`, ...source }, ...rest }));
  const [{ id }] = await sql`
    insert into scheduler.tasks ${sql({ name, type: "manual", action_type: "watch", action_payload: sql.json(action_payload as never), owner_id: owner,
      created_by: owner, priority: "critical", timeout_seconds: 5, ...fields } as never)}
    returning id`;
  const [{ id: subscriber }] = await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
    values (${`${name} subscriber`}, 'event', 'notify', '{"channel": "web", "title": "new {{inputs.key}}"}', ${owner}) returning id`;
  await sql`insert into scheduler.task_event_triggers (task_id, event_name) values (${subscriber}, ${name})`;
  return { id: id as string, subscriber: subscriber as string };
}

/** A watcher over a database function (source.type sql), and an event task subscribed to it. */
async function fnWatcher(name: string, source: Record<string, unknown>, payload: Record<string, unknown> = {}) {
  return watcher(name, { ...payload, source: { type: "sql", url: undefined, ...source } });
}

/** One poll: a run queued and claimed as the dispatcher would, handed to the handler, recorded. */
async function poll(taskId: string, d: WatchDeps = deps()) {
  clock += 60_000;
  const now = new Date(clock);
  await sql`insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (${taskId}, ${now}, 'manual')`;
  const worker = `watch-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now, worker, taskIds: [taskId] });
  expect(runs).toHaveLength(1);
  const res = await createHandler(d)(new Request("http://fn/watch", {
    method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
  }));
  expect(res.status).toBe(202);
  const summary = await (waited.at(-1) as Promise<BatchSummary>);
  expect(summary.started).toBe(1);
  const [row] = await sql`select id, status, error_message, output, log_summary, idempotency_key from scheduler.task_runs where id = ${runs[0].run_id}`;
  return { ...row, run: runs[0] };
}

const eventKeys = async (taskId: string) =>
  (await sql`select payload ->> 'key' as key from scheduler.events where task_id = ${taskId} order by id`).map((r) => r.key);
const state = async (taskId: string) => (await sql`select error_count, last_error, cursor from scheduler.watchers where task_id = ${taskId}`)[0];
const seen = async (taskId: string) =>
  (await sql`select dedupe_key from scheduler.watcher_seen_items where task_id = ${taskId} order by dedupe_key`).map((r) => r.dedupe_key);

describe("a JSON feed", () => {
  test("the first poll seeds; the next emits exactly the new items, in order, as events that start the subscribed task", async () => {
    const w = await watcher("orders", { items: "/data/orders", key: "id" });
    answers.set("/orders", { data: { orders: [{ id: 1, total: 10 }, { id: 2, total: 20 }] } });
    const first = await poll(w.id);
    expect(first).toMatchObject({ status: "completed", output: { message: "first poll: 2 items remembered without events (seed_first_poll)", status: 200 } });
    expect(first.log_summary).toMatchObject({ items_seen: 2, new: 2, emitted: 0, seeded: 2, first_poll: true });
    expect(await eventKeys(w.id)).toEqual([]);

    answers.set("/orders", { data: { orders: [{ id: 4, total: 40 }, { id: 1, total: 10 }, { id: 3, total: 30 }, { id: 2, total: 20 }] } });
    const second = await poll(w.id);
    expect(second).toMatchObject({ status: "completed", output: { message: "2 new of 4 items: 2 events" } });
    expect(second.log_summary).toMatchObject({ items_seen: 4, already_seen: 2, new: 2, emitted: 2, capped: false });
    expect(await eventKeys(w.id)).toEqual(["4", "3"]);
    const [event] = await sql`select event_type, user_id, payload from scheduler.events where task_id = ${w.id} order by id limit 1`;
    expect(event).toEqual({ event_type: "orders", user_id: owner, payload: { key: "4", item: { id: 4, total: 40 } } });
    const started = await sql`select triggered_by, inputs ->> 'key' as key from scheduler.task_runs where task_id = ${w.subscriber} order by id`;
    expect(started).toEqual([{ triggered_by: "event:orders", key: "4" }, { triggered_by: "event:orders", key: "3" }]);

    expect((await poll(w.id)).log_summary).toMatchObject({ new: 0, emitted: 0, already_seen: 4 });
    expect(await eventKeys(w.id)).toEqual(["4", "3"]);
  });

  test("the poll is a signed GET: webhook-id is the run's idempotency key, the signature covers an empty body", async () => {
    const w = await watcher("signed", { key: "id", source: { headers: { "x-team": "ops" } } });
    answers.set("/signed", [{ id: "a" }]);
    const polled = await poll(w.id);
    const req = feed.received.findLast((r) => r.url === "/signed")!;
    expect(req.method).toBe("GET");
    expect(req.headers).toMatchObject({ accept: "application/json", "x-team": "ops", "webhook-id": polled.run.idempotency_key });
    const key = Buffer.from(polled.run.task.signing_secret!.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${polled.run.idempotency_key}.${req.headers["webhook-timestamp"]}.`).digest("base64");
    expect(req.headers["webhook-signature"]).toBe(`v1,${expected}`);
  });

  test("more new items than one poll emits: the first ones go out and the run says the rest wait", async () => {
    const w = await watcher("burst", { key: "id", max_events_per_poll: 2, seed_first_poll: false });
    answers.set("/burst", [{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }, { id: "e" }]);
    const first = await poll(w.id);
    expect(first.output.message).toBe("5 new of 5 items: 2 events, the most one poll emits (max_events_per_poll 2); 3 wait for the next poll");
    expect(first.log_summary).toMatchObject({ capped: true, left_for_next_poll: 3, first_poll: true });
    await poll(w.id);
    await poll(w.id);
    expect(await eventKeys(w.id)).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("a cursor reaches the URL as {{watcher.cursor}} and drops what is older; a newest-first feed goes out oldest first", async () => {
    const w = await watcher("since", { items: "items", key: "id", cursor: "updated_at", source: { url: `${feed.url}/since?after={{watcher.cursor}}` } });
    answers.set("/since", { items: [{ id: "x", updated_at: "2044-01-01T00:00:00Z" }] });
    await poll(w.id);
    expect(feed.received.findLast((r) => r.url.startsWith("/since"))!.url).toBe("/since?after=");
    answers.set("/since", { items: [{ id: "z", updated_at: "2044-01-03T00:00:00Z" }, { id: "y", updated_at: "2044-01-02T00:00:00Z" }, { id: "x", updated_at: "2044-01-01T00:00:00Z" }] });
    await poll(w.id);
    expect(feed.received.findLast((r) => r.url.startsWith("/since"))!.url).toBe("/since?after=2044-01-01T00:00:00Z");
    expect(await eventKeys(w.id)).toEqual(["y", "z"]);
    expect((await state(w.id)).cursor).toBe("2044-01-03T00:00:00Z");
  });

  test("keys default to the hash of each item; an item too big for an event goes out as its key and a note", async () => {
    const w = await watcher("blobs", { seed_first_poll: false });
    answers.set("/blobs", [{ n: 1 }, { n: 2, blob: "b".repeat(70_000) }]);
    const polled = await poll(w.id);
    expect(polled.log_summary).toMatchObject({ emitted: 2, items_omitted: 1 });
    const payloads = (await sql`select payload from scheduler.events where task_id = ${w.id} order by id`).map((r) => r.payload);
    expect(payloads[0]).toEqual({ key: expect.stringMatching(/^[0-9a-f]{64}$/), item: { n: 1 } });
    expect(payloads[1].item.omitted).toMatch(/more than an event payload holds \(64 KiB\); fetch it by its key/);
  });
});

describe("a page (mode hash)", () => {
  test("an event when the page changes, none while it stays the same", async () => {
    const w = await watcher("page", { mode: "hash" });
    answers.set("/page", ["raw", 200, "<h1>v1</h1>", { "content-type": "text/html" }]);
    expect((await poll(w.id)).output.message).toBe("first poll: the hash was remembered without an event (seed_first_poll)");
    expect((await poll(w.id)).output.message).toBe("unchanged since the last poll");
    expect(feed.received.findLast((r) => r.url === "/page")!.headers.accept).toBe("*/*");
    answers.set("/page", ["raw", 200, "<h1>v2</h1>", { "content-type": "text/html" }]);
    expect((await poll(w.id)).output.message).toBe("changed: 1 event");
    const [event] = await sql`select payload from scheduler.events where task_id = ${w.id}`;
    expect(event.payload.item).toMatchObject({ status: 200, content_type: "text/html", bytes: 11, url: `${feed.url}/page`, hash: event.payload.key });
    expect(event.payload.item.previous_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("bad input: a clear error on the run, nothing lost", () => {
  const noAllowList = { allowHosts: new Set<string>() };
  test.each([
    ["a private address", { source: { url: "http://10.1.2.3/feed" } }, null, {}, /^refused http:\/\/10\.1\.2\.3\/feed: 10\.1\.2\.3 resolves to 10\.1\.2\.3, a private address/],
    ["loopback without the allow-list", {}, [], noAllowList, /^refused http:\/\/127\.0\.0\.1:\d+\/bad-\d+: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address/],
    ["an unreachable host", { source: { url: "http://127.0.0.1:9/feed" } }, null, {}, /^GET http:\/\/127\.0\.0\.1:9\/feed failed: /],
    ["an error status", {}, ["raw", 503, "maintenance"], {}, /^GET http:\/\/127\.0\.0\.1:\d+\/bad-\d+ answered 503: maintenance$/],
    ["an answer over max_response_bytes", { source: { max_response_bytes: 100 } }, { items: "x".repeat(200) }, {}, /is over max_response_bytes \(100(; it declares \d+)?\): nothing was read as items$/],
    ["an answer that is not JSON", {}, ["raw", 200, "<html>no</html>"], {}, /^the answer is not JSON/],
    ["items that match nothing", { items: "/data/orders" }, { data: { items: [] } }, {}, /^items \/data\/orders matches nothing in the answer: data has no field "orders" \(it has items\)$/],
    ["a key that matches nothing", { key: "uuid" }, { items: [{ id: 1 }] }, {}, /^key uuid: item 0 has no value there/],
  ] as const)("%s", async (_what, payload, answer, overrides, message) => {
    const name = `bad-${Math.floor(Math.random() * 1e9)}`;
    const w = await watcher(name, { items: "/items", key: "id", ...payload });
    // what earlier polls left: a key seen, a cursor
    await sql`insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (${w.id}, '1', now(), now())`;
    await sql`update scheduler.watchers set cursor = '"mark"', last_success_at = now() where task_id = ${w.id}`;
    if (answer !== null) answers.set(`/${name}`, answer);
    const bad = await poll(w.id, deps(overrides));
    expect(bad).toMatchObject({ status: "failed" });
    expect(bad.error_message).toMatch(message);
    expect(bad.log_summary).toMatchObject({ error_count: 1, paused: false, pause_after_errors: 5 });
    expect(await state(w.id)).toMatchObject({ error_count: 1, last_error: bad.error_message, cursor: "mark" });
    expect(await seen(w.id)).toEqual(["1"]);
    expect(await eventKeys(w.id)).toEqual([]);
  });

  test("after pause_after_errors failed polls in a row the watcher pauses itself and tells its owner; a good poll in between resets the count", async () => {
    const w = await watcher("flaky", { key: "id", pause_after_errors: 2 });
    answers.set("/flaky", ["raw", 500, "down"]);
    expect((await poll(w.id)).log_summary).toMatchObject({ error_count: 1, paused: false });
    answers.set("/flaky", [{ id: 1 }]);
    expect((await poll(w.id)).status).toBe("completed");
    expect((await state(w.id)).error_count).toBe(0);
    answers.set("/flaky", ["raw", 500, "down"]);
    await poll(w.id);
    const last = await poll(w.id);
    expect(last.error_message).toMatch(/answered 500: down; 2 failed polls in a row: the watcher paused itself \(pause_after_errors\)$/);
    const [task] = await sql`select is_active from scheduler.tasks where id = ${w.id}`;
    expect(task.is_active).toBe(false);
    const notes = await sql`select title, type from scheduler.notifications where task_id = ${w.id}`;
    expect(notes).toEqual([{ title: "Watcher paused: flaky", type: "error" }]);
  });
});

describe("a database function (source.type sql)", () => {
  const note = async (user: string, body: string) =>
    (await sql`insert into public.vt_watch_notes (user_id, body) values (${user}, ${body}) returning id`)[0].id as string;

  test("called as the owner under RLS: the first poll seeds, the next emits exactly the owner's new rows as events that start the subscribed task", async () => {
    await note(owner, "first");
    await note(other, "not the owner's");
    const w = await fnWatcher("fn-notes", { function: "public.vt_watch_my_notes" }, { key: "id" });
    const first = await poll(w.id);
    expect(first).toMatchObject({ status: "completed", output: { function: "public.vt_watch_my_notes(text)", role: "authenticated" } });
    expect(first.log_summary).toMatchObject({ first_poll: true, seeded: 1, emitted: 0 });

    const second = await note(owner, "second");
    await note(other, "still not the owner's");
    const third = await note(owner, "third");
    const polled = await poll(w.id);
    expect(polled.output.message).toBe("2 new of 3 items: 2 events");
    expect(await eventKeys(w.id)).toEqual([String(second), String(third)]);
    const [event] = await sql`select event_type, user_id, payload from scheduler.events where task_id = ${w.id} order by id limit 1`;
    expect(event).toEqual({ event_type: "fn-notes", user_id: owner, payload: { key: String(second), item: { id: Number(second), user_id: owner, body: "second" } } });
    const started = await sql`select triggered_by, inputs -> 'item' ->> 'body' as body from scheduler.task_runs where task_id = ${w.subscriber} order by id`;
    expect(started).toEqual([{ triggered_by: "event:fn-notes", body: "second" }, { triggered_by: "event:fn-notes", body: "third" }]);
    expect((await poll(w.id)).log_summary).toMatchObject({ new: 0, emitted: 0 });
  });

  test("args are templates: {{watcher.cursor}} hands the high-water mark to the function (empty before the first poll)", async () => {
    await note(owner, "old");
    const w = await fnWatcher("fn-since", { function: "public.vt_watch_my_notes", args: { p_after: "{{watcher.cursor}}" } }, { key: "id", cursor: "id" });
    const first = await poll(w.id);
    expect(first.log_summary.seeded).toBeGreaterThan(0);
    const mark = (await state(w.id)).cursor;
    const fresh = await note(owner, "fresh");
    const polled = await poll(w.id);
    // only what is above the mark came back
    expect(polled.log_summary).toMatchObject({ items_seen: 1, emitted: 1 });
    expect(await eventKeys(w.id)).toEqual([String(fresh)]);
    expect(Number(mark)).toBeLessThan(Number(fresh));
  });

  test("mode hash: an event when the function's result changes", async () => {
    const w = await fnWatcher("fn-status", { function: "public.vt_watch_status", args: { p_value: "open" } }, { mode: "hash" });
    expect((await poll(w.id)).output.message).toBe("first poll: the hash was remembered without an event (seed_first_poll)");
    expect((await poll(w.id)).output.message).toBe("unchanged since the last poll");
    await sql`update scheduler.tasks set action_payload = jsonb_set(action_payload, '{source,args,p_value}', '"closed"') where id = ${w.id}`;
    // other arguments are another feed: its first poll seeds again
    expect((await poll(w.id)).output.message).toBe("first poll: the hash was remembered without an event (seed_first_poll)");
  });

  test("what the function did commits only with what the watcher remembered", async () => {
    const w = await fnWatcher("fn-counted", { function: "public.vt_watch_counted_notes" }, { key: "id", seen_limit: 1 });
    const before = (await sql`select count(*)::int as n from public.vt_watch_calls`)[0].n;
    await note(owner, "one");
    await note(owner, "two");
    const bad = await poll(w.id);
    expect(bad.status).toBe("failed");
    expect(bad.error_message).toMatch(/more than seen_limit \(1\)/);
    expect((await sql`select count(*)::int as n from public.vt_watch_calls`)[0].n).toBe(before);
    await sql`update scheduler.tasks set action_payload = action_payload || '{"seen_limit": 10000}' where id = ${w.id}`;
    expect((await poll(w.id)).status).toBe("completed");
    expect((await sql`select count(*)::int as n from public.vt_watch_calls`)[0].n).toBe(before + 1);
  });

  test.each([
    ["the function raises", { function: "public.vt_watch_fail" }, {}, /^public\.vt_watch_fail\(\) failed: SQLSTATE P0001: the ledger is closed; hint: open it first$/],
    ["a result over max_response_bytes", { function: "public.vt_watch_status", args: { p_value: "x".repeat(200) }, max_response_bytes: 100 }, {},
      /^the result of public\.vt_watch_status\(text\) is 2\d\d bytes of JSON, over max_response_bytes \(100\): nothing was read as items$/],
    ["items that match nothing in the result", { function: "public.vt_watch_status", args: { p_value: "x" } }, { items: "/rows" },
      /^items \/rows matches nothing in the answer: the value has no field "rows" \(it has status\)$/],
  ] as const)("%s: a clear error on the run, nothing lost", async (_what, source, payload, message) => {
    const w = await fnWatcher(`fn-bad-${Math.floor(Math.random() * 1e9)}`, source, { key: "id", ...payload });
    await sql`insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (${w.id}, '1', now(), now())`;
    await sql`update scheduler.watchers set cursor = '"mark"', last_success_at = now() where task_id = ${w.id}`;
    const bad = await poll(w.id);
    expect(bad).toMatchObject({ status: "failed" });
    expect(bad.error_message).toMatch(message);
    expect(bad.log_summary).toMatchObject({ error_count: 1, paused: false });
    expect(await state(w.id)).toMatchObject({ error_count: 1, last_error: bad.error_message, cursor: "mark" });
    expect(await seen(w.id)).toEqual(["1"]);
    expect(await eventKeys(w.id)).toEqual([]);
  });

  test("a grant revoked after the watcher was written fails the poll with the database's own 42501, and backs off", async () => {
    const w = await fnWatcher("fn-revoked", { function: "public.vt_watch_revoked" }, { pause_after_errors: 1 });
    await sql`revoke execute on function public.vt_watch_revoked() from authenticated`;
    const bad = await poll(w.id);
    expect(bad.error_message).toBe(
      "public.vt_watch_revoked() failed: SQLSTATE 42501: permission denied for function vt_watch_revoked; 1 failed polls in a row: the watcher paused itself (pause_after_errors)");
    expect((await sql`select is_active from scheduler.tasks where id = ${w.id}`)[0].is_active).toBe(false);
  });
});
