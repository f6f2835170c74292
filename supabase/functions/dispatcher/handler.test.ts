// The dispatcher against the real database, with an action function on a
// loopback port that takes the runs the way the real ones do (202 at once;
// they start each run through the gate, tested in their own files). Its clock
// is pinned in 2033 and moves only when the dispatcher sleeps, so only this
// file's runs are due and the loop's waits are observable. Each invocation
// looks only as long as the window a test observes (config.loopSeconds):
// what else the shared database has due later cannot add rounds to it.
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { anonKey, dispatcherSecret, jwtSecret, publishableKey, secretKey, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, forgetPinnedDispatch, stack } from "../../../tests/helpers/stack.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { createHandler, defaultConfig, type DispatcherDeps, tick } from "./handler.ts";

const sql = connect();
const T0 = Date.parse("2033-01-01T00:00:00.000Z");
let action: Awaited<ReturnType<typeof loopbackServer>>;
let actionAnswer = 202;
let userId = "";

beforeAll(async () => {
  action = await loopbackServer((req, res) => {
    res.writeHead(actionAnswer, { "content-type": "application/json" })
      .end(JSON.stringify({ accepted: JSON.parse(req.body).runs.length }));
  });
  [{ id: userId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`dispatcher-${Date.now()}@test.local`}) returning id`;
});

afterEach(async () => {
  actionAnswer = 202;
  action.received.length = 0;
  await sql`delete from scheduler.tasks where owner_id = ${userId}`;
  // the pinned clock registered a looker, planned and woke in 2033
  await forgetPinnedDispatch(sql);
});

afterAll(async () => {
  await sql`delete from auth.users where id = ${userId}`;
  await sql.end();
  await action.close();
});

/** A clock that stands still until the dispatcher sleeps, then moves by exactly the sleep. */
function fakeClock() {
  let t = T0;
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

function deps(overrides: Partial<DispatcherDeps> = {}): DispatcherDeps {
  const clock = fakeClock();
  return {
    db: postgresDb(stack.dbUrl),
    fetch,
    now: clock.now,
    sleep: clock.sleep,
    logger: memoryLogger(),
    waitUntil: () => {},
    auth: { secretKeys, serviceRoleKey, jwtSecret },
    functionsUrl: `${action.url}/functions/v1`,
    serviceHeaders: { apikey: "test-secret-key" },
    dispatcherSecret,
    newId: () => crypto.randomUUID(),
    config: { actionBatch: 3, loopSeconds: 30 },
    ...overrides,
  };
}

async function manualRuns(n: number, at = new Date(T0)) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const [{ id }] = await sql`
      insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, max_attempts)
      values (${`dispatch ${i}`}, 'manual', 'http', ${sql.json({ url: "http://127.0.0.1:9/x", method: "GET" })}, ${userId}, 1)
      returning id`;
    await sql`insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values (${id}, ${at}, 'queued', 'manual')`;
    ids.push(id);
  }
  return ids;
}

const bodies = () => action.received.map((r) => JSON.parse(r.body) as { worker: string; runs: { run_id: string; start_at?: string }[] });

test("a tick hands every due run to its action in batches, claimed by one worker token, and stops when nothing else is due", async () => {
  const taskIds = await manualRuns(7);
  const summary = await tick(deps(), "test");
  expect(summary).toMatchObject({ givenBack: 0, ended: "idle" });
  const ours = await sql`select id from scheduler.task_runs where task_id = any(${taskIds})`;
  const handed = bodies().flatMap((b) => b.runs.map((r) => r.run_id)).filter((id) => ours.some((o) => o.id === id));
  // each of this file's runs once, in calls of at most actionBatch runs, all under one worker token
  expect(handed.sort()).toEqual(ours.map((o) => o.id).sort());
  expect(Math.max(...bodies().map((b) => b.runs.length))).toBeLessThanOrEqual(3);
  expect(new Set(bodies().map((b) => b.worker)).size).toBe(1);
  expect(action.received[0].headers.apikey).toBe("test-secret-key");
  const rows = await sql`select status, locked_by, start_time from scheduler.task_runs where task_id = any(${taskIds})`;
  // handed over, not started: the action starts each run through the gate
  expect(rows.map((r) => [r.status, r.locked_by, r.start_time])).toEqual(Array(7).fill(["claimed", bodies()[0].worker, null]));
});

test("runs due within the lookahead are handed ahead with start_at; a later one waits for the next look", async () => {
  const at = (s: number) => new Date(T0 + s * 1000);
  const [{ id: soon }] = await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
    values ('soon', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, ${at(5)}) returning id`;
  const [{ id: later }] = await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
    values ('later', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, ${at(25)}) returning id`;
  const clock = fakeClock();
  const summary = await tick(deps({ now: clock.now, sleep: clock.sleep, config: { actionBatch: 3, loopSeconds: 16 } }), "test");
  expect(summary).toMatchObject({ claimed: 2, handed: 2, batches: 2, rounds: 2 });
  // the second look is at 25 s minus the 10 s lookahead
  expect(clock.sleeps).toEqual([15_000]);
  const [first, second] = bodies();
  expect(first.runs.map((r) => r.start_at)).toEqual([at(5).toISOString()]);
  expect(second.runs.map((r) => r.start_at)).toEqual([at(25).toISOString()]);
  const tasks = await sql`select id, next_run_at from scheduler.tasks where id = any(${[soon, later]})`;
  expect(tasks.every((t) => t.next_run_at === null)).toBe(true);
});

test("every occurrence of a task due every few seconds within the lookahead goes in one round's call", async () => {
  await sql.begin(async (tx) => {
    await tx`select set_config('scheduler.now', ${new Date(T0).toISOString()}, true)`;
    await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, schedule_interval, overlap_policy)
      values ('every 3 s', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, '3 seconds', 'allow')`;
  });
  const summary = await tick(deps({ config: { loopSeconds: 1 } }), "test");
  // due at 3, 6 and 9 s: all within the 10 s lookahead, one call
  expect(summary).toMatchObject({ claimed: 3, handed: 3, batches: 1, rounds: 1 });
  expect(bodies()[0].runs.map((r) => r.start_at)).toEqual([3, 6, 9].map((s) => new Date(T0 + s * 1000).toISOString()));
});

test("runs an action function refuses, or that cannot reach it, are given back to the queue at once", async () => {
  const refusedIds = await manualRuns(2);
  actionAnswer = 503;
  const refused = await tick(deps({ config: { loopSeconds: 1 } }), "test");
  // given back at once, and tried again after dispatch_retry_interval while the invocation lasts
  expect(refused).toMatchObject({ claimed: 4, handed: 0, givenBack: 4, rounds: 2 });
  expect(refused.errors.join()).toMatch(/answered 503/);
  const unreachable = await tick(deps({ functionsUrl: "http://127.0.0.1:9/functions/v1", config: { loopSeconds: 1 } }), "test");
  // the first tick's runs were given back, so this one claims them again
  expect(unreachable).toMatchObject({ claimed: 4, handed: 0, givenBack: 4 });
  expect(unreachable.errors.join()).toMatch(/could not call the http function/);
  const rows = await sql`select status, locked_by, start_time from scheduler.task_runs where task_id = any(${refusedIds})`;
  expect(rows).toEqual([{ status: "queued", locked_by: null, start_time: null }, { status: "queued", locked_by: null, start_time: null }]);
});

test("work another session holds back is claimed as soon as it is free, within the same invocation", async () => {
  const ids = await manualRuns(4);
  const holder = await sql.reserve();
  await holder`begin`;
  await holder`select id from scheduler.task_runs where task_id = any(${ids.slice(0, 2)}) for update`;
  const clock = fakeClock();
  const summary = await tick(deps({
    now: clock.now,
    // the other session lets go during the dispatcher's first wait
    sleep: async (ms) => {
      if (clock.sleeps.length === 0) await holder`rollback`;
      await clock.sleep(ms);
    },
    config: { actionBatch: 3, loopSeconds: 2 },
  }), "test");
  holder.release();
  expect(summary).toMatchObject({ claimed: 4, handed: 4 });
  // looked again after dispatch_retry_interval, not at the next minute's tick
  expect(clock.sleeps).toEqual([1_000]);
});

test("work a writer has not committed yet is seen by the next plan: the dispatcher neither waits for the writer nor plans past it", async () => {
  const writer = await sql.reserve();
  await writer`begin`;
  // the writer's clock is the dispatcher's (2033): its task falls due in 30 s,
  // soon enough that the insert holds the dispatcher's plan row for share
  await writer`select set_config('scheduler.now', ${new Date(T0).toISOString()}, true)`;
  await writer`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
    values ('written late', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, ${new Date(T0 + 30_000)})`;
  const clock = fakeClock();
  try {
    const summary = await tick(deps({
      now: clock.now,
      sleep: async (ms) => {
        if (clock.sleeps.length === 0) await writer`commit`;
        await clock.sleep(ms);
      },
      config: { actionBatch: 3, loopSeconds: 21 },
    }), "test");
    // 1 s while the writer was open (no plan), then the look at 30 s - 10 s lookahead
    expect(clock.sleeps).toEqual([1_000, 19_000]);
    expect(summary).toMatchObject({ claimed: 1 });
  } finally {
    writer.release();
  }
});

test("a newer invocation takes over: the older one stops at its next plan", async () => {
  await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
    values ('far', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, ${new Date(T0 + 20_000)})`;
  const clock = fakeClock();
  const summary = await tick(deps({
    now: clock.now,
    sleep: async (ms) => {
      // while this one sleeps, an invocation that stays later registers
      await sql`select scheduler.plan_next_look('newer', ${clock.now()}, ${new Date(T0 + 120_000)})`;
      await clock.sleep(ms);
    },
  }), "test");
  // it still claims in the round it woke for (SKIP LOCKED keeps the two apart), then hands over
  expect(summary).toMatchObject({ claimed: 1, ended: "taken over", rounds: 2 });
});

test("a round that fails is tried again within the invocation: the plan row never names a looker that stopped", async () => {
  await manualRuns(2);
  await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
    values ('after the failure', 'scheduled', 'http', ${sql.json({ url: "http://127.0.0.1:9/x" })}, ${userId}, ${new Date(T0 + 20_000)})`;
  // the dispatcher's statements give up after 1 s, so a lock held elsewhere makes a real error
  const url = new URL(stack.dbUrl);
  url.searchParams.set("statement_timeout", "1000");
  const holder = await sql.reserve();
  const clock = fakeClock();
  let held = "not yet" as "not yet" | "held" | "let go";
  try {
    const summary = await tick(deps({
      db: postgresDb(url.toString()),
      now: clock.now,
      sleep: async (ms) => {
        // during the first look's sleep another session locks what the claim
        // reads; the wait after the failed round lets it go (other rounds,
        // which the live stack's writers can cause, pass through)
        if (held === "not yet") {
          held = "held";
          await holder`begin`;
          await holder`lock table scheduler_internal.due_tasks in access exclusive mode`;
        } else if (held === "held" && ms === defaultConfig.roundRetryMs) {
          held = "let go";
          await holder`commit`;
        }
        await clock.sleep(ms);
      },
    }), "test");
    expect(summary.errors).toEqual([expect.stringMatching(/^round \d+ failed: canceling statement due to statement timeout/)]);
    // the two runs before the failure and the one after it, each handed over once
    expect(summary).toMatchObject({ claimed: 3, handed: 3, ended: "idle" });
    expect(held).toBe("let go");
  } finally {
    if (held === "held") await holder`rollback`;
    holder.release();
  }
});

test("only a service credential or the dispatcher secret may call it", async () => {
  const waited: Promise<unknown>[] = [];
  const handler = createHandler(deps({ waitUntil: (p) => void waited.push(p), config: { loopSeconds: 1 } }));
  const call = (headers: Record<string, string> = {}) => handler(new Request("http://fn/dispatcher", { method: "POST", headers, body: "{}" }));
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  expect((await call()).status).toBe(401);
  expect((await call(bearer(anonKey))).status).toBe(401);
  expect((await call({ apikey: publishableKey })).status).toBe(401);
  const accepted = await call(bearer(dispatcherSecret));
  expect(accepted.status).toBe(202);
  expect(await accepted.json()).toMatchObject({ accepted: true, caller: "dispatcher" });
  expect(await (await call({ apikey: secretKey })).json()).toMatchObject({ accepted: true, caller: "service_role" });
  expect((await call(bearer(serviceRoleKey))).status).toBe(202);
  expect(waited).toHaveLength(3);
  await Promise.allSettled(waited);
});
