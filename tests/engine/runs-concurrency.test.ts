// Backfill and idempotency keys under real concurrency, on separate
// connections, as signed-in users: what a single pgTAP session cannot show.
//  * a backfill is exactly once per slot when the same range is backfilled
//    by several sessions at once, and a second backfill that overlaps an
//    open one waits for it, then fills only what is left;
//  * run_task_now with one idempotency key from several sessions at once
//    queues one run, and every caller gets its id; a caller racing an open
//    transaction gets that transaction's run once it commits, or its own
//    run if it rolls back;
//  * the same event delivered by several sessions at once is recorded once
//    and starts one run, inserted by its owner or recorded by the inbound
//    endpoint (record_inbound_event: the webhook-id is the event's key).
// The backfill and run-now runs are due in 2100 (p_now), so the live
// stack's dispatcher, on the real clock, never takes them; the one event
// run is a web notification of this file's user.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import postgres from "postgres";
import { connect } from "../helpers/stack.ts";

const NOW = "2100-01-10T12:00:00Z";
const SESSIONS = 8;
const admin = connect(undefined, 2);
const sessions: postgres.Sql[] = [];
const pids: number[] = [];
let userId = "";
let daily = "";
let manual = "";
let onEvent = "";

/**
 * A transaction as the user. The clock is p_now, never scheduler.now: these
 * transactions commit, and a write that pins the triggers' clock in the
 * future would record a dispatcher wake in the future too, which debounces
 * every real wake of the stack until then.
 */
function asUser<T>(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true),
                    set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    return work(tx);
  }) as Promise<T>;
}

/** Opens a transaction as the user, runs `first` in it, and keeps it open until the returned `finish` is called. */
async function heldOpen<T>(sql: postgres.Sql, first: (tx: postgres.TransactionSql) => Promise<T>) {
  let release!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => { release = resolve; });
  let ready!: (value: T) => void;
  const started = new Promise<T>((resolve) => { ready = resolve; });
  const done = asUser(sql, async (tx) => {
    ready(await first(tx));
    if (!(await decided)) throw new Error("rolled back on purpose");
  }).catch((err) => {
    if (!(err instanceof Error && err.message === "rolled back on purpose")) throw err;
  });
  return { value: await started, finish: async (commit: boolean) => { release(commit); await done; } };
}

/** Whether session `i`, running `promise`, comes to wait for a lock (bounded poll of pg_locks) while `promise` is still pending. */
async function waitsForALock(i: number, promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  for (let n = 0; n < 250 && !settled; n++) {
    const [{ waiting }] = await admin`select count(*)::int as waiting from pg_locks where pid = ${pids[i]} and not granted`;
    if (waiting > 0) return !settled;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

beforeAll(async () => {
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`runs-${Date.now()}@test.local`}) returning id`;
  const notify = { channel: "web", title: "t", message: "m" };
  // paused, so the live dispatcher never runs its schedule; backfill fills a paused task's past slots
  [{ id: daily }] = await admin`insert into scheduler.tasks ${admin({
    name: "concurrent backfill", schedule_cron: "0 * * * *", action_type: "notify", action_payload: notify,
    owner_id: userId, created_by: userId, is_active: false,
  } as never)} returning id`;
  [{ id: manual }] = await admin`insert into scheduler.tasks ${admin({
    name: "concurrent run now", type: "manual", action_type: "notify", action_payload: notify, owner_id: userId, created_by: userId,
  } as never)} returning id`;
  [{ id: onEvent }] = await admin`insert into scheduler.tasks ${admin({
    name: "concurrent events", type: "event", action_type: "notify", action_payload: notify, owner_id: userId, created_by: userId,
  } as never)} returning id`;
  await admin`insert into scheduler.task_event_triggers (task_id, event_name) values (${onEvent}, 'runs_concurrency_paid')`;
  for (let i = 0; i < SESSIONS; i++) {
    sessions.push(connect(undefined, 1));
    pids.push((await sessions[i]`select pg_backend_pid() as pid`)[0].pid);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.end()));
  // the keys of runs go with them; the events' keys would wait for the daily pruning
  if (userId) await admin`delete from scheduler_internal.idempotency_keys where scope = 'events' and scope_id = ${userId}`;
  // the stack's dispatcher may be taking this user's runs as it goes: a
  // deadlock with it is retried, as an app deleting a user would
  for (let attempt = 1; userId; attempt++) {
    try {
      await admin`delete from auth.users where id = ${userId}`;
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== "40P01" || attempt === 3) throw err;
    }
  }
  await admin.end();
});

const runsOf = async (task: string) => admin`select id, triggered_by, scheduled_time from scheduler.task_runs where task_id = ${task} order by scheduled_time`;

describe("backfill", () => {
  test(`${SESSIONS} sessions backfilling the same day at once create each slot's run once`, async () => {
    const results = await Promise.all(sessions.map((s) => asUser(s, (tx) =>
      tx`select slot, run_id from scheduler.backfill(${daily}, '2100-01-01T00:00:00Z', '2100-01-01T23:59:59Z', false, ${NOW})`)));
    const created = results.flat().map((r) => new Date(r.slot).toISOString()).sort();
    expect(created).toHaveLength(24);
    expect(new Set(created).size).toBe(24);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1); // one session did it all; the others found it done
    const runs = await runsOf(daily);
    expect(runs.filter((r) => r.triggered_by === "backfill")).toHaveLength(24);
  }, 60_000);

  test("a backfill that overlaps an open one waits for it, then fills only what it left", async () => {
    const first = await heldOpen(sessions[0], (tx) =>
      tx`select slot from scheduler.backfill(${daily}, '2100-01-02T00:00:00Z', '2100-01-02T11:59:59Z', false, ${NOW})`);
    expect(first.value).toHaveLength(12);
    const second = asUser(sessions[1], (tx) =>
      tx`select slot from scheduler.backfill(${daily}, '2100-01-02T06:00:00Z', '2100-01-02T17:59:59Z', false, ${NOW})`);
    expect(await waitsForALock(1, second)).toBe(true);
    await first.finish(true);
    const rest = (await second).map((r) => new Date(r.slot).toISOString());
    expect(rest).toEqual(Array.from({ length: 6 }, (_, h) => `2100-01-02T${String(12 + h).padStart(2, "0")}:00:00.000Z`));
    const day2 = (await runsOf(daily)).filter((r) => new Date(r.scheduled_time).toISOString().startsWith("2100-01-02"));
    expect(day2).toHaveLength(18);
  }, 60_000);
});

describe("run_task_now with an idempotency key", () => {
  test(`${SESSIONS} sessions pressing run now with one key at once queue one run, and all get its id`, async () => {
    const ids = await Promise.all(sessions.map((s) => asUser(s, async (tx) =>
      (await tx`select scheduler.run_task_now(${manual}, ${NOW}, null, 'double-click') as id`)[0].id as string)));
    expect(new Set(ids).size).toBe(1);
    const runs = await runsOf(manual);
    expect(runs.map((r) => r.id)).toEqual([ids[0]]);
  }, 60_000);

  test("a repeat racing an open transaction gets its run once it commits, or a run of its own if it rolls back", async () => {
    const committed = await heldOpen(sessions[0], async (tx) =>
      (await tx`select scheduler.run_task_now(${manual}, ${NOW}, null, 'race-commit') as id`)[0].id as string);
    const repeat = asUser(sessions[1], async (tx) => (await tx`select scheduler.run_task_now(${manual}, ${NOW}, null, 'race-commit') as id`)[0].id as string);
    expect(await waitsForALock(1, repeat)).toBe(true);
    await committed.finish(true);
    expect(await repeat).toBe(committed.value);

    const rolledBack = await heldOpen(sessions[2], async (tx) =>
      (await tx`select scheduler.run_task_now(${manual}, ${NOW}, null, 'race-rollback') as id`)[0].id as string);
    const other = asUser(sessions[3], async (tx) => (await tx`select scheduler.run_task_now(${manual}, ${NOW}, null, 'race-rollback') as id`)[0].id as string);
    expect(await waitsForALock(3, other)).toBe(true);
    await rolledBack.finish(false);
    const own = await other;
    expect(own).not.toBe(rolledBack.value);
    const ids = (await runsOf(manual)).map((r) => r.id);
    expect(ids).toContain(own);
    expect(ids).not.toContain(rolledBack.value);
  }, 60_000);
});

describe("events with an idempotency key", () => {
  test(`the same webhook delivered by ${SESSIONS} sessions at once is one event and one run`, async () => {
    const inserted = await Promise.all(sessions.map((s) => asUser(s, async (tx) =>
      (await tx`insert into scheduler.events (event_type, payload, idempotency_key) values ('runs_concurrency_paid', '{"order": 7}', 'msg_7') returning id`).length)));
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(1);
    const [{ events }] = await admin`select count(*)::int as events from scheduler.events where user_id = ${userId} and idempotency_key = 'msg_7'`;
    expect(events).toBe(1);
    expect(await runsOf(onEvent)).toHaveLength(1);
  }, 60_000);

  test(`an inbound delivery recorded by ${SESSIONS} sessions at once (its webhook-id the event's key) is one event and one run, and every copy names it`, async () => {
    const recorded = await Promise.all(sessions.map((s) => s.begin(async (tx) => {
      await tx`select set_config('role', 'service_role', true)`;
      const [row] = await tx`select event_id, duplicate from scheduler.record_inbound_event(${userId}, 'msg_8', 'runs_concurrency_paid', '{"order": 8}')`;
      return row as { event_id: string; duplicate: boolean };
    })));
    expect(recorded.filter((r) => !r.duplicate)).toHaveLength(1);
    const first = recorded.find((r) => !r.duplicate)!.event_id;
    expect(new Set(recorded.map((r) => r.event_id))).toEqual(new Set([first]));
    const [{ events }] = await admin`select count(*)::int as events from scheduler.events where user_id = ${userId} and idempotency_key = 'msg_8'`;
    expect(events).toBe(1);
    const [{ runs }] = await admin`select count(*)::int as runs from scheduler.task_runs where task_id = ${onEvent} and event_id = ${first}`;
    expect(runs).toBe(1);
  }, 60_000);
});
