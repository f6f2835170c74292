// Dispatch through the real minute tick (docs/dispatch.md): pg_cron → pg_net
// → the dispatcher's loop → the action functions' start gate and recorder, on
// the running test stack. Tasks are written as a user would; the test waits
// for the tick and for the seconds the tasks are due at. Each expectation
// here failed on the first design (claim 60 s ahead, batches recorded whole).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
const MINUTE = 60_000;

let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
const tasks: Record<string, string> = {};
/** When each request reached the receiver, by path. */
const arrivals: Record<string, number[]> = {};
/** The first minute boundary at least 20 s after setup: the due times below are placed around it. */
let M = 0;

async function insertTask(name: string, fields: Record<string, unknown>) {
  const row = { name, owner_id: userId, created_by: userId, type: "scheduled", action_type: "http", timeout_seconds: 40, ...fields };
  const [{ id }] = await admin`insert into scheduler.tasks ${admin(row as never)} returning id`;
  tasks[name] = id;
  return id as string;
}

const http = (path: string) => ({ url: `${receiver.url}/${path}`, method: "POST", body: { task: "{{task.name}}" } });

const runsOf = (name: string) => admin`
  select id, status, attempt, scheduled_time, start_time, end_time, updated_at, error_message
  from scheduler.task_runs where task_id = ${tasks[name]} order by scheduled_time, attempt`;

/** What a failure quotes: the task's runs and the dispatcher's plan, wakes and last requests. */
const stateOf = async (name: string) => ({
  at: new Date().toISOString(),
  runs: await runsOf(name),
  looks: await admin`select * from scheduler_internal.dispatcher_looks`,
  wakes: await admin`select * from scheduler_internal.dispatcher_wakes`,
  requests: await admin`select * from scheduler_internal.dispatcher_requests order by request_id desc limit 5`,
});

/** A run's status, with its reason when it has one: a failed expectation says why. */
const outcome = (r: { status: string; error_message: string | null }) => r.error_message ? `${r.status}: ${r.error_message}` : r.status;

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    const path = req.url.slice(1);
    (arrivals[path] ??= []).push(Date.now());
    const hold = /^slow(\d+)/.exec(path);
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'), hold ? Number(hold[1]) * 1000 : 0);
  });
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-dispatch-${Date.now()}@test.local`}) returning id`;
  M = Math.ceil((Date.now() + 20_000) / MINUTE) * MINUTE;

  await insertTask("minutely-3s", { schedule_cron: "* * * * *", action_payload: http("slow3") });
  await insertTask("every-15s", { schedule_cron: "*/15 * * * * *", action_payload: http("every-15s") });
  await insertTask("every-20s", { schedule_interval: "20 seconds", action_payload: http("every-20s") });
  // one due second, so one claim: a fast run and a 30 s run
  await insertTask("fast", { run_at: new Date(M + 30_000), action_payload: http("fast") });
  await insertTask("slow", { run_at: new Date(M + 30_000), action_payload: http("slow30") });
  await insertTask("cancelled", { run_at: new Date(M + 45_000), action_payload: http("cancelled") });
  await insertTask("paused", { run_at: new Date(M + 50_000), action_payload: http("paused") });
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
  await receiver?.close();
});

// concurrent: each test watches due times placed around M from the same
// setup, so none may wait for another (in sequence, the minutely test alone
// can last past M + 60 s, after the fast/slow pair and the claimed-ahead runs
// it is there to observe have gone by)
describe.concurrent("dispatch at the second, through the real tick", () => {
  test("a minutely task against a 3 s endpoint runs every minute, its first two occurrences included", async () => {
    const runs = await waitFor("two minutes of the minutely task", async () => {
      const rs = (await runsOf("minutely-3s")).filter((r) => ["completed", "failed", "skipped"].includes(r.status));
      return rs.length >= 2 ? rs : undefined;
    }, 3 * MINUTE + 20_000, 500);
    expect(runs.slice(0, 2).map((r) => r.status)).toEqual(["completed", "completed"]);
    expect(runs[1].scheduled_time.getTime() - runs[0].scheduled_time.getTime()).toBe(MINUTE);
  }, 4 * MINUTE);

  test("*/15 * * * * * and a 20 seconds interval complete every due time under the default overlap policy", async () => {
    for (const [name, step, count] of [["every-15s", 15_000, 5], ["every-20s", 20_000, 4]] as const) {
      const runs = await waitFor(`${count} runs of ${name}`, async () => {
        const rs = await runsOf(name);
        return rs.filter((r) => r.status === "completed").length >= count ? rs : undefined;
      }, 3 * MINUTE, 500, () => stateOf(name));
      const done = runs.filter((r) => r.status !== "claimed" && r.status !== "running" && r.status !== "queued");
      // every due time since the first, once, completed: no skips, no gaps
      expect(done.slice(0, count).map(outcome), JSON.stringify(await stateOf(name))).toEqual(Array(count).fill("completed"));
      const gaps = done.slice(1, count).map((r, i) => r.scheduled_time.getTime() - done[i].scheduled_time.getTime());
      expect(gaps).toEqual(Array(count - 1).fill(step));
      // each started at its second, not at the next tick
      const late = done.slice(0, count).filter((r) => r.start_time.getTime() - r.scheduled_time.getTime() >= 1_000);
      expect(late, JSON.stringify(await stateOf(name))).toEqual([]);
    }
  }, 4 * MINUTE);

  test("a fast run is recorded as soon as it ends while a 30 s run from the same claim is still going", async () => {
    const [fast] = await waitFor("the fast run to finish", async () => {
      const rs = await runsOf("fast");
      return rs[0] && rs[0].status === "completed" ? rs : undefined;
    }, 3 * MINUTE, 100);
    const [slow] = await runsOf("slow");
    expect(slow.status).toBe("running");
    expect(slow.scheduled_time).toEqual(fast.scheduled_time);
    // written within a second of its end (the first design waited for the 30 s run)
    expect(fast.updated_at.getTime() - fast.end_time.getTime()).toBeLessThan(1_000);
    const [slowDone] = await waitFor("the slow run to finish", async () => {
      const rs = await runsOf("slow");
      return rs[0]?.status === "completed" ? rs : undefined;
    }, MINUTE, 250);
    expect(slowDone.end_time.getTime() - slowDone.start_time.getTime()).toBeGreaterThanOrEqual(30_000);
  }, 4 * MINUTE);

  test("cancel and pause stop a run claimed ahead: it never reaches its receiver", async () => {
    for (const name of ["cancelled", "paused"]) {
      const [claimed] = await waitFor(`${name} to be claimed ahead`, async () => {
        const rs = await runsOf(name);
        return rs[0]?.status === "claimed" ? rs : undefined;
      }, 3 * MINUTE, 100);
      // claimed ahead of its second is not running: no start time yet
      expect(claimed.start_time).toBeNull();
      expect(Date.now()).toBeLessThan(claimed.scheduled_time.getTime());
      if (name === "cancelled") {
        await admin.begin(async (tx) => {
          await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
          await tx`select scheduler.cancel_run(${claimed.id})`;
        });
      } else {
        await admin`update scheduler.tasks set is_active = false where id = ${tasks.paused}`;
      }
      await sleepUntil(claimed.scheduled_time.getTime() + 3_000);
      const [after] = await runsOf(name);
      expect(after.status).toBe("cancelled");
      expect(arrivals[name]).toBeUndefined();
    }
  }, 4 * MINUTE);

  test("a task created 5 s before its first due time starts at its second, woken without waiting for the tick", async () => {
    // away from the top of the minute, so the minute's tick cannot be what starts it
    const now = Date.now();
    const second = Math.floor(now / 1000) % 60;
    if (second < 15 || second > 40) await sleepUntil(Math.floor(now / MINUTE) * MINUTE + (second > 40 ? MINUTE : 0) + 20_000);
    const due = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    await insertTask("five-seconds-ahead", { run_at: new Date(due), action_payload: http("five-seconds-ahead") });
    const [run] = await waitFor("the run to complete", async () => {
      const rs = await runsOf("five-seconds-ahead");
      return rs[0]?.status === "completed" ? rs : undefined;
    }, 30_000, 100, () => stateOf("five-seconds-ahead"));
    expect(run.scheduled_time.getTime()).toBe(due);
    expect(arrivals["five-seconds-ahead"]).toHaveLength(1);
    expect(arrivals["five-seconds-ahead"][0] - due).toBeGreaterThanOrEqual(0);
    expect(arrivals["five-seconds-ahead"][0] - due).toBeLessThan(1_000);
  }, 2 * MINUTE);
});
