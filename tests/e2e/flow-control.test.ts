// Flow control end to end, on the running test stack (no engine call made
// by hand): events and run-now requests are written as the user, pg_net
// wakes the dispatcher, and the http function calls a loopback receiver.
//  * a debounce window: three events two seconds apart become one request,
//    sent at the end of the window with the last event's inputs (the
//    dispatcher plans its look for that second: the run is never claimed
//    ahead, and it must not start late either);
//  * max_concurrency 2 on a 2 s endpoint: five runs asked for at once all
//    complete, never more than two at the receiver at a time (the queued
//    ones are woken as runs end).
import { afterAll, beforeAll, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
let inFlight = 0;
let mostInFlight = 0;
const arrivals: { path: string; at: number; body: string }[] = [];

async function asUser<T>(work: (tx: typeof admin) => Promise<T>): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    return work(tx as unknown as typeof admin);
  }) as Promise<T>;
}

async function insertTask(fields: Record<string, unknown>) {
  const row = { owner_id: userId, created_by: userId, action_type: "http", timeout_seconds: 20, ...fields };
  const [{ id }] = await admin`insert into scheduler.tasks ${admin(row as never)} returning id`;
  return id as string;
}

const runsOf = (taskId: string) => admin`
  select id, status, scheduled_time, start_time, end_time, inputs, wait_reason from scheduler.task_runs
  where task_id = ${taskId} order by scheduled_time, id`;

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    const path = req.url.slice(1);
    arrivals.push({ path, at: Date.now(), body: req.body });
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    }, path.startsWith("slow") ? 2000 : 0);
  });
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-flow-${Date.now()}@test.local`}) returning id`;
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
  await receiver?.close();
});

test("events within a debounce window start one run at the window's end, with the last event's inputs", async () => {
  const taskId = await insertTask({
    name: "digest", type: "event", debounce_window: "8 seconds",
    action_payload: { url: `${receiver.url}/digest`, method: "POST", body: { n: "{{inputs.n}}" } },
  });
  await admin`insert into scheduler.task_event_triggers (task_id, event_name) values (${taskId}, 'e2e_flow_order')`;
  const first = Date.now();
  for (const n of [1, 2, 3]) {
    await asUser((tx) => tx`insert into scheduler.events (event_type, user_id, payload) values ('e2e_flow_order', ${userId}, ${tx.json({ n })})`);
    if (n < 3) await new Promise((r) => setTimeout(r, 2000));
  }
  const [run] = await waitFor("the debounced run to complete", async () => {
    const rs = await runsOf(taskId);
    return rs[0]?.status === "completed" ? rs : undefined;
  }, 40_000, 200);
  const runs = await runsOf(taskId);
  expect(runs).toHaveLength(1);
  expect(run.inputs).toEqual({ n: 3 });
  expect(run.wait_reason).toMatch(/^debounced: 3 events within 00:00:08/);
  expect(run.scheduled_time.getTime() - first).toBeGreaterThanOrEqual(7_000);
  // at its second: neither ahead of it nor a tick later
  expect(run.start_time.getTime() - run.scheduled_time.getTime()).toBeGreaterThanOrEqual(0);
  expect(run.start_time.getTime() - run.scheduled_time.getTime()).toBeLessThan(1_500);
  const digest = arrivals.filter((a) => a.path === "digest");
  expect(digest).toHaveLength(1);
  expect(JSON.parse(digest[0].body)).toEqual({ n: "3" });
}, 60_000);

test("max_concurrency 2: five runs asked for at once all run, never more than two at a time", async () => {
  const taskId = await insertTask({
    name: "pool", type: "manual", overlap_policy: "allow", max_concurrency: 2,
    action_payload: { url: `${receiver.url}/slow-pool`, method: "POST", body: {} },
  });
  mostInFlight = 0;
  await asUser(async (tx) => {
    for (let i = 0; i < 5; i++) await tx`select scheduler.run_task_now(${taskId})`;
  });
  const runs = await waitFor("five completed runs", async () => {
    const rs = await runsOf(taskId);
    return rs.length === 5 && rs.every((r) => r.status === "completed") ? rs : undefined;
  }, 60_000, 250);
  expect(mostInFlight).toBeLessThanOrEqual(2);
  expect(arrivals.filter((a) => a.path === "slow-pool")).toHaveLength(5);
  // by the record too: no instant has three runs between their start and end
  for (const r of runs) {
    const overlapping = runs.filter((o) => o.start_time < r.end_time && o.end_time > r.start_time);
    expect(overlapping.length).toBeLessThanOrEqual(2);
  }
  // the ones that waited say why
  expect(runs.filter((r) => r.wait_reason?.startsWith("waiting: max_concurrency 2 reached")).length).toBeGreaterThanOrEqual(1);
}, 90_000);
