// The shared action runner against the real database and a real loopback
// receiver, through the http action: runs are claimed with claim_due_runs as
// the dispatcher claims them, posted to the handler, and what the start gate
// and complete_runs made of them is read back from task_runs. Time is a
// manual clock pinned in 2041 (only this file's tasks are due then).
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack, waitFor } from "../../../tests/helpers/stack.ts";
import { createHandler, type HttpDeps } from "../http/handler.ts";
import { type BatchSummary, type Every, parseRun } from "./action-runner.ts";
import { claimRuns, createTask, createUser, manualClock } from "./claims.test-helpers.ts";
import { type Db, type DbFactory, postgresDb } from "./db.ts";
import { runOf } from "./fixtures.test-helpers.ts";
import { memoryLogger } from "./logger.ts";
import { parseAllowList } from "./ssrf.ts";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";

const sql = connect();
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
const held: (() => void)[] = [];
const tenants: string[] = [];
let slot = 0;
/** Each test claims in an hour of its own, so it never takes another test's tasks. */
const nextSlot = () => new Date(Date.UTC(2041, 0, 1, slot++, 0, 0));

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    const path = req.url.split("?")[0];
    // /hold answers only when the test releases it
    if (path.startsWith("/hold")) return void held.push(() => res.writeHead(200).end("late"));
    res.writeHead(path.startsWith("/fail") ? 503 : 200).end("ok");
  });
  for (const label of ["tenant-a", "tenant-b", "tenant-c"]) tenants.push(await createUser(sql, label));
});
afterAll(async () => {
  await sql`delete from auth.users where id = any(${tenants})`;
  await sql.end();
  await receiver.close();
});

interface Setup {
  deps?: Partial<HttpDeps>;
  clock?: ReturnType<typeof manualClock>;
}

/** The heartbeat's timer, by hand: each test beats when it means to (beat), and sees when it was stopped. */
function manualEvery() {
  const timers: { ms: number; beat: () => Promise<void>; stopped: boolean }[] = [];
  const every: Every = (ms, beat) => {
    const timer = { ms, beat, stopped: false };
    timers.push(timer);
    return () => void (timer.stopped = true);
  };
  return { every, timers, beat: () => Promise.all(timers.filter((t) => !t.stopped).map((t) => t.beat())) };
}

function harness(start: Date, setup: Setup = {}) {
  const clock = setup.clock ?? manualClock(start);
  const logger = memoryLogger();
  const heartbeat = manualEvery();
  const waited: Promise<BatchSummary>[] = [];
  const deps: HttpDeps = {
    db: postgresDb(stack.dbUrl),
    fetch,
    now: clock.now,
    sleep: clock.sleep,
    waitUntil: (p) => void waited.push(p as Promise<BatchSummary>),
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger,
    auth: { secretKeys: {}, serviceRoleKey },
    connect: nodeConnect(),
    allowHosts: parseAllowList("127.0.0.1"),
    retryDelaysMs: [10, 20],
    every: heartbeat.every,
    ...setup.deps,
  };
  const handler = createHandler(deps);
  const post = async (worker: string, runs: unknown[]) => {
    const res = await handler(new Request("http://fn/http", {
      method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
    }));
    return { res, body: await res.json() };
  };
  /** The work the last request handed to waitUntil: its summary, once every group and the last flush are done. */
  const done = () => waited.at(-1)!;
  return { clock, logger, post, waited, done, heartbeat };
}

const runsOf = (ids: string[]) => sql`
  select id, task_id, status, attempt, start_time, error_message, output, idempotency_key from scheduler.task_runs
  where task_id = any(${ids}) order by task_id, attempt`;
const byTask = async (ids: string[]) => new Map((await runsOf(ids)).map((r) => [r.task_id as string, r]));

test("answers 202 at once, before any run executes: nothing is sent and the run stays claimed until its second", async () => {
  const t0 = nextSlot();
  const due = new Date(t0.getTime() + 4_000);
  const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?early`, method: "GET" }, run_at: due });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now: t0, worker, taskIds: [taskId], lookaheadSeconds: 10 });
  expect(runs).toHaveLength(1);
  const h = harness(t0);
  const { res, body } = await h.post(worker, runs);
  expect(res.status).toBe(202);
  expect(body).toEqual({ accepted: 1, rejected: 0 });
  expect(h.clock.waiting()).toEqual([due.getTime()]);
  expect(receiver.received.filter((r) => r.url === "/ok?early")).toHaveLength(0);
  expect((await byTask([taskId])).get(taskId)!.status).toBe("claimed");

  h.clock.advanceTo(due);
  const summary = await h.waited[0];
  expect(receiver.received.filter((r) => r.url === "/ok?early")).toHaveLength(1);
  const row = (await byTask([taskId])).get(taskId)!;
  expect(row.status).toBe("completed");
  expect(row.start_time.toISOString()).toBe(due.toISOString());
  expect(summary).toMatchObject({ accepted: 1, started: 1, completed: 1, failed: 0, rejected: 0, groups: 1 });
});

test("one malformed run among several tenants' runs fails alone, not retryable, with a message naming the field", async () => {
  const t0 = nextSlot();
  const ids = [];
  for (const [i, owner] of tenants.entries()) {
    ids.push(await createTask(sql, { owner, name: `tenant ${i}`, action_payload: { url: `${receiver.url}/ok?tenant=${i}`, method: "GET" }, run_at: t0, max_attempts: 3 }));
  }
  const badPayload = await createTask(sql, { owner: tenants[1], action_payload: { url: `${receiver.url}/ok?never`, method: "GET" }, run_at: t0, max_attempts: 3 });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now: t0, worker, taskIds: [...ids, badPayload] });
  expect(runs).toHaveLength(4);
  // tenant b's row arrives broken (its owner id is not a uuid), and another run's payload no longer parses
  const sent = runs.map((r) =>
    r.task_id === ids[1] ? { ...r, task: { ...r.task, owner_id: "not-a-uuid" } }
    : r.task_id === badPayload ? { ...r, payload: { url: "ftp://example.com/x" } }
    : r
  );
  // and one is not even a run (no id to record it by)
  const h = harness(t0);
  const { res, body } = await h.post(worker, [...sent, { hello: "world" }]);
  expect(res.status).toBe(202);
  expect(body).toEqual({ accepted: 2, rejected: 3 });
  const summary = await h.done();

  const rows = await byTask([...ids, badPayload]);
  expect(rows.get(ids[0])!.status).toBe("completed");
  expect(rows.get(ids[2])!.status).toBe("completed");
  expect(rows.get(ids[1])).toMatchObject({ status: "failed", attempt: 1, error_message: "invalid run: task.owner_id: Invalid UUID" });
  expect(rows.get(badPayload)).toMatchObject({ status: "failed", error_message: "invalid http payload: url: must be an absolute http(s) URL" });
  // not retryable: no second attempt although max_attempts is 3
  expect((await runsOf([ids[1], badPayload])).map((r) => r.attempt)).toEqual([1, 1]);
  expect(receiver.received.filter((r) => r.url.includes("tenant=1") || r.url.includes("never"))).toHaveLength(0);
  expect(summary).toMatchObject({ accepted: 2, rejected: 3, started: 2, completed: 2, failed: 2 });
});

test("a fast run is recorded while a slow run of the same batch is still going, and a slow group never delays a later one", async () => {
  const t0 = nextSlot();
  const slowAt = new Date(t0.getTime() + 2_000);
  const fastAt = new Date(t0.getTime() + 5_000);
  const slow = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/hold?slow`, method: "GET" }, run_at: slowAt });
  const fast = await createTask(sql, { owner: tenants[1], action_payload: { url: `${receiver.url}/ok?fast`, method: "GET" }, run_at: fastAt });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now: t0, worker, taskIds: [slow, fast], lookaheadSeconds: 10 });
  const h = harness(t0);
  expect((await h.post(worker, runs)).body).toEqual({ accepted: 2, rejected: 0 });
  // each instant waits on its own
  expect(h.clock.waiting()).toEqual([slowAt.getTime(), fastAt.getTime()]);

  h.clock.advanceTo(slowAt);
  await waitFor("the slow request", async () => receiver.received.some((r) => r.url === "/hold?slow") || undefined);
  h.clock.advanceTo(fastAt);
  const fastRow = await waitFor("the fast run recorded", async () => {
    const row = (await byTask([fast])).get(fast)!;
    return row.status === "completed" ? row : undefined;
  });
  expect(fastRow.start_time.toISOString()).toBe(fastAt.toISOString());
  const slowRow = (await byTask([slow])).get(slow)!;
  expect(slowRow.status).toBe("running");
  expect(slowRow.start_time.toISOString()).toBe(slowAt.toISOString());

  held.shift()!();
  const summary = await h.done();
  expect((await byTask([slow])).get(slow)!.status).toBe("completed");
  expect(summary).toMatchObject({ groups: 2, started: 2, completed: 2 });
  // recorded as each ended: two flushes, not one at the end
  expect(summary.flushes).toBe(2);
});

test("a run cancelled, or whose task was paused, after the claim is not sent; what the gate decided is what is recorded", async () => {
  const t0 = nextSlot();
  const go = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?go`, method: "GET" }, run_at: t0 });
  const cancelled = await createTask(sql, { owner: tenants[1], action_payload: { url: `${receiver.url}/ok?cancelled`, method: "GET" }, run_at: t0 });
  const paused = await createTask(sql, { owner: tenants[2], action_payload: { url: `${receiver.url}/ok?paused`, method: "GET" }, run_at: t0 });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now: t0, worker, taskIds: [go, cancelled, paused] });
  expect(runs).toHaveLength(3);
  await sql`select scheduler.cancel_run(${runs.find((r) => r.task_id === cancelled)!.run_id}::uuid, ${t0})`;
  await sql`update scheduler.tasks set is_active = false where id = ${paused}`;

  const h = harness(t0);
  expect((await h.post(worker, runs)).body).toEqual({ accepted: 3, rejected: 0 });
  const summary = await h.done();
  expect(receiver.received.map((r) => r.url).filter((u) => /\?(go|cancelled|paused)$/.test(u))).toEqual(["/ok?go"]);
  const rows = await byTask([go, cancelled, paused]);
  expect(rows.get(go)!.status).toBe("completed");
  expect(rows.get(cancelled)).toMatchObject({ status: "cancelled", error_message: "cancelled by system" });
  expect(rows.get(paused)).toMatchObject({ status: "cancelled", error_message: "cancelled: the task was paused before this run started" });
  expect(summary).toMatchObject({ started: 1, completed: 1, not_started: { not_claimed: 1, cancelled: 1 } });
});

test("a run starting at a later instant waits for it (start_at, to the millisecond) before asking the gate", async () => {
  const t0 = nextSlot();
  const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?start-at`, method: "GET" }, run_at: t0 });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const [run] = await claimRuns(sql, { now: t0, worker, taskIds: [taskId] });
  const slept: number[] = [];
  const clock = manualClock(t0);
  const h = harness(t0, { clock: { ...clock, sleep: (ms) => (slept.push(ms), clock.sleep(ms)) } });
  await h.post(worker, [{ ...run, start_at: new Date(t0.getTime() + 42_500).toISOString() }]);
  expect(slept).toEqual([42_500]);
  expect((await byTask([taskId])).get(taskId)!.status).toBe("claimed");
  clock.advanceTo(t0.getTime() + 42_500);
  await h.done();
  expect((await byTask([taskId])).get(taskId)!.start_time.getTime()).toBe(t0.getTime() + 42_500);
});

test("two occurrences of one task already due when the request arrives go to one gate call, which starts the earlier and judges the later against it", async () => {
  const t0 = nextSlot();
  const late = new Date(t0.getTime() + 20_000);
  const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?overdue`, method: "GET" }, run_at: t0 });
  const worker = `runner-test:${crypto.randomUUID()}`;
  // a dispatcher that looks 20 s late claims both: the one due at t0, then the next occurrence
  const [first] = await claimRuns(sql, { now: late, worker, taskIds: [taskId] });
  await sql`update scheduler.tasks set run_at = ${new Date(t0.getTime() + 15_000)} where id = ${taskId}`;
  const [second] = await claimRuns(sql, { now: late, worker, taskIds: [taskId] });
  expect([first, second].map((r) => r.scheduled_time)).toEqual([t0.toISOString(), new Date(t0.getTime() + 15_000).toISOString()]);

  const h = harness(late);
  // sent later one first: the order of the request is not the order of the gate
  await h.post(worker, [second, first]);
  const summary = await h.done();
  expect(summary).toMatchObject({ groups: 1, started: 1, not_started: { skipped: 1 } });
  const rows = await sql`select scheduled_time, status, error_message from scheduler.task_runs where task_id = ${taskId} order by scheduled_time`;
  expect(rows.map((r) => [r.status, r.error_message])).toEqual([
    ["completed", null],
    ["skipped", "skipped: the previous run was still going (overlap_policy skip)"],
  ]);
});

test("the heartbeat: while a started run is going its lease is renewed from the clock, and it stops once the result is recorded", async () => {
  const t0 = nextSlot();
  const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/hold?beat`, method: "GET" }, run_at: t0, timeout_seconds: 40 });
  const worker = `runner-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now: t0, worker, taskIds: [taskId] });
  const h = harness(t0);
  await h.post(worker, runs);
  await waitFor("the held request", async () => receiver.received.some((r) => r.url === "/hold?beat") || undefined);
  const lease = async () => (await sql`select lease_expires_at from scheduler.task_runs where task_id = ${taskId}`)[0].lease_expires_at as Date;
  // started: the first lease is heartbeat_lease (15 s), not the timeout's 40 s + lease_margin
  expect((await lease()).getTime()).toBe(t0.getTime() + 15_000);
  expect(h.heartbeat.timers.map((t) => t.ms)).toEqual([5_000]);

  // 30 s in (the run outlives its first lease), a beat moves the lease on
  h.clock.advanceTo(t0.getTime() + 30_000);
  await h.heartbeat.beat();
  expect((await lease()).getTime()).toBe(t0.getTime() + 45_000);
  expect(await sql`select 1 from scheduler.reap_expired_leases(${new Date(t0.getTime() + 40_000)}) r where r.run_id = ${runs[0].run_id}`).toHaveLength(0);

  held.shift()!();
  const summary = await h.done();
  expect((await byTask([taskId])).get(taskId)!.status).toBe("completed");
  expect(summary).toMatchObject({ started: 1, completed: 1, heartbeats: 1, heartbeats_failed: 0 });
  expect(h.heartbeat.timers.every((t) => t.stopped)).toBe(true);
});

describe("recording", () => {
  const flaky = (failures: number, calls: string[]): DbFactory => () => {
    const db: Db = postgresDb(stack.dbUrl)();
    let left = failures;
    return {
      executeSql: (text, values) => {
        calls.push(text.includes("complete_runs") ? "complete_runs" : text.includes("start_runs") ? "start_runs" : "other");
        if (text.includes("complete_runs") && left-- > 0) return Promise.reject(new Error("connection reset by peer"));
        return db.executeSql(text, values);
      },
      close: db.close,
    };
  };

  test("a complete_runs failure is tried again after a short wait, and the run is recorded", async () => {
    const t0 = nextSlot();
    const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?retried`, method: "GET" }, run_at: t0 });
    const worker = `runner-test:${crypto.randomUUID()}`;
    const runs = await claimRuns(sql, { now: t0, worker, taskIds: [taskId] });
    const calls: string[] = [];
    const slept: number[] = [];
    const h = harness(t0, { deps: { db: flaky(1, calls), sleep: async (ms) => void slept.push(ms) } });
    await h.post(worker, runs);
    const summary = await h.done();
    expect(calls).toEqual(["start_runs", "complete_runs", "complete_runs"]);
    expect(slept).toEqual([10]);
    expect((await byTask([taskId])).get(taskId)!.status).toBe("completed");
    expect(summary).toMatchObject({ completed: 1, unrecorded: 0, flushes: 1 });
    expect(h.logger.lines.filter((l) => l.level === "error")).toEqual([]);
  });

  test("a start_runs failure is tried again; when every try fails nothing is sent and the runs stay claimed for their leases", async () => {
    const t0 = nextSlot();
    const again = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?gate-again`, method: "GET" }, run_at: t0 });
    const never = await createTask(sql, { owner: tenants[1], action_payload: { url: `${receiver.url}/ok?gate-never`, method: "GET" }, run_at: t0 });
    const gateFails = (failures: number): DbFactory => () => {
      const db: Db = postgresDb(stack.dbUrl)();
      let left = failures;
      return {
        executeSql: (text, values) => text.includes("start_runs") && left-- > 0 ? Promise.reject(new Error("too many connections")) : db.executeSql(text, values),
        close: db.close,
      };
    };
    const worker = `runner-test:${crypto.randomUUID()}`;
    const claimed = await claimRuns(sql, { now: t0, worker, taskIds: [again, never] });
    for (const [taskId, failures] of [[again, 1], [never, 99]] as const) {
      const runs = claimed.filter((r) => r.task_id === taskId);
      expect(runs).toHaveLength(1);
      const h = harness(t0, { deps: { db: gateFails(failures), sleep: async () => {} } });
      await h.post(worker, runs);
      const summary = await h.done();
      if (taskId === again) {
        expect(summary).toMatchObject({ started: 1, completed: 1 });
      } else {
        expect(summary).toMatchObject({ started: 0, not_started: { gate_failed: 1 } });
        const [line] = h.logger.lines.filter((l) => l.level === "error");
        expect(line).toMatchObject({ run_ids: [runs[0].run_id], tries: 3 });
      }
    }
    const rows = await byTask([again, never]);
    expect(rows.get(again)!.status).toBe("completed");
    expect(rows.get(never)).toMatchObject({ status: "claimed", start_time: null });
    expect(receiver.received.filter((r) => r.url === "/ok?gate-never")).toHaveLength(0);
  });

  test("when every try fails, the results are logged with their run ids and left to the leases", async () => {
    const t0 = nextSlot();
    const taskId = await createTask(sql, { owner: tenants[0], action_payload: { url: `${receiver.url}/ok?lost`, method: "GET" }, run_at: t0 });
    const worker = `runner-test:${crypto.randomUUID()}`;
    const runs = await claimRuns(sql, { now: t0, worker, taskIds: [taskId] });
    const h = harness(t0, { deps: { db: flaky(99, []), sleep: async () => {} } });
    await h.post(worker, runs);
    const summary = await h.done();
    expect(summary).toMatchObject({ completed: 1, unrecorded: 1, flushes: 0 });
    const [line] = h.logger.lines.filter((l) => l.level === "error");
    expect(line).toMatchObject({ msg: "could not record results; their leases will reconcile them", run_ids: [runs[0].run_id], tries: 3 });
    expect((await byTask([taskId])).get(taskId)!.status).toBe("running");
  });
});

describe("logs", () => {
  test("one summary line per request, no line per run, under 10,000 characters even when every run fails", async () => {
    const t0 = nextSlot();
    const ids = [];
    for (let i = 0; i < 30; i++) {
      ids.push(await createTask(sql, { owner: tenants[i % 3], action_payload: { url: `${receiver.url}/fail?n=${i}&${"x".repeat(1500)}`, method: "GET" }, run_at: t0 }));
    }
    const worker = `runner-test:${crypto.randomUUID()}`;
    const runs = await claimRuns(sql, { now: t0, worker, taskIds: ids });
    expect(runs).toHaveLength(30);
    const broken = Array.from({ length: 20 }, () => ({ ...runOf({}), run_id: "x".repeat(2000) }));
    const h = harness(t0);
    await h.post(worker, [...runs, ...broken]);
    const summary = await h.done();
    expect(summary).toMatchObject({ started: 30, failed: 30, rejected: 20 });
    expect(h.logger.lines).toHaveLength(1);
    const [line] = h.logger.lines;
    expect(line).toMatchObject({ msg: "batch done", level: "warn", worker, started: 30, failed: 30, rejected: 20 });
    expect((line.failures as unknown[]).length).toBe(5);
    expect(JSON.stringify(line).length).toBeLessThan(10_000);
  });
});

describe("the envelope", () => {
  test("a body that is not {worker, runs: [...]} is a 400 with the issues; one that is, is 202 whatever its runs", async () => {
    const raw = (body: unknown) => createHandler({
      db: postgresDb(stack.dbUrl), fetch, now: () => new Date(), sleep: async () => {}, waitUntil: () => {},
      resolve: async () => [], logger: memoryLogger(), auth: { secretKeys: {}, serviceRoleKey }, allowHosts: new Set(), connect: nodeConnect(),
    })(new Request("http://fn/http", { method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify(body) }));
    for (const body of [{ runs: [runOf({})] }, { worker: "w", runs: {} }, { worker: "", runs: [runOf({})] }, { worker: "w", runs: [] }, null]) {
      const res = await raw(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await res.json();
      expect(answer.error.code).toBe("invalid_request");
      expect(Array.isArray(answer.error.details)).toBe(true);
    }
  });
});

describe("parseRun", () => {
  test("names the field that does not parse, and keeps the run id when it can", () => {
    const run = runOf({ url: "https://example.com" });
    expect(parseRun("http", { ...run, attempt: 0 })).toEqual({ ok: false, run_id: run.run_id, message: "invalid run: attempt: Too small: expected number to be >0" });
    expect(parseRun("http", { ...run, scheduled_time: "soon" })).toMatchObject({ ok: false, message: "invalid run: scheduled_time: must be an ISO 8601 timestamp" });
    expect(parseRun("http", { ...run, run_id: 7 })).toMatchObject({ ok: false, run_id: null });
    expect(parseRun("notify", run)).toEqual({ ok: false, run_id: run.run_id, message: "invalid run: action_type: this is the notify function, the run is http" });
    expect(parseRun("http", { ...run, payload: { url: "https://example.com", method: "FETCH" } })).toMatchObject({ ok: false, message: expect.stringMatching(/^invalid http payload: method: /) });
  });

  test("a run that parses has its payload's defaults applied", () => {
    const parsed = parseRun("http", runOf({ url: "https://example.com" }));
    expect(parsed).toMatchObject({ ok: true, run: { payload: { url: "https://example.com", method: "POST", headers: {}, max_redirects: 3 } } });
  });
});
