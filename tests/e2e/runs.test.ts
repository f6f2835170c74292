// Replay and backfill end to end, on the running test stack: a scheduled
// http run fails through the real minute tick (pg_cron → pg_net → the
// dispatcher → the http function), the user replays it, and the replay is
// delivered, signed, under a webhook-id of its own, with the same body and
// linked to the run it replays. A backfill of a paused task's past slots is
// delivered the same way, each run with its slot as {{run.scheduled_time}}.
// A bulk replay (replay_runs) of what failed is delivered too, and run now
// with an idempotency key pressed twice is one delivered run. Another user
// can neither replay the user's runs nor run the user's task.
// Nothing here calls the engine: the user calls replay_run, replay_runs,
// backfill and run_task_now as supabase-js would, and the test waits for the
// functions' results.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 4);
const TICK_WAIT = 150_000; // the next minute boundary, plus the dispatcher's work
const MINUTE = 60_000;

let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
let otherId = "";
let secret = "";
let healthy = false;
const tasks: Record<string, string> = {};

async function asUser<T>(work: (tx: typeof admin) => Promise<T>, id = userId): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: id, role: "authenticated" })}, true)`;
    return work(tx as unknown as typeof admin);
  }) as Promise<T>;
}

async function insertTask(name: string, fields: Record<string, unknown>) {
  const row = { name, owner_id: userId, created_by: userId, action_type: "http", max_attempts: 1, ...fields };
  const [{ id }] = await admin`insert into scheduler.tasks ${admin(row as never)} returning id`;
  tasks[name] = id;
  return id as string;
}

const runsOf = (name: string) => admin`
  select id, status, triggered_by, replay_of, scheduled_time, output, error_message
  from scheduler.task_runs where task_id = ${tasks[name]} order by scheduled_time, created_at`;

const finished = (r: { status: string }) => r.status === "completed" || r.status === "failed";

function signature(id: string, timestamp: string, body: string) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    // down until the test says it is fixed, as a receiver that failed and came back
    if (req.url.startsWith("/orders") && !healthy) return void res.writeHead(503).end("maintenance");
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-runs-${Date.now()}@test.local`}) returning id`;
  [{ id: otherId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-runs-other-${Date.now()}@test.local`}) returning id`;
  secret = await asUser(async (tx) => (await tx`select scheduler.my_signing_secret() as s`)[0].s);

  // one due time at the next minute boundary, one attempt: the tick delivers it and it fails
  const nextMinute = new Date(Math.ceil((Date.now() + 1000) / MINUTE) * MINUTE);
  await insertTask("orders", {
    run_at: nextMinute,
    action_payload: { url: `${receiver.url}/orders`, method: "POST", body: { task: "{{task.name}}", due: "{{run.scheduled_time}}" } },
  });
  // paused: its schedule sends nothing, but what a person backfills runs
  await insertTask("hourly-export", {
    schedule_cron: "0 * * * *", is_active: false,
    action_payload: { url: `${receiver.url}/export`, method: "POST", body: { slot: "{{run.scheduled_time}}", by: "{{run.triggered_by}}" } },
  });
}, 60_000);

afterAll(async () => {
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  if (otherId) await admin`delete from auth.users where id = ${otherId}`;
  await admin.end();
  await receiver?.close();
});

describe("runs asked for by hand, through the real dispatch", () => {
  test("a scheduled run that failed is replayed and the replay is delivered, under its own webhook-id", async () => {
    const [failed] = await waitFor("the scheduled run to fail", async () => {
      const rs = (await runsOf("orders")).filter(finished);
      return rs.length > 0 ? rs : undefined;
    }, TICK_WAIT, 500);
    expect(failed).toMatchObject({ status: "failed", triggered_by: "schedule" });
    expect(failed.error_message).toMatch(/503/);

    healthy = true;
    const replayId = await asUser(async (tx) => (await tx`select scheduler.replay_run(${failed.id}) as id`)[0].id as string);
    const replay = await waitFor("the replay to finish", async () => (await runsOf("orders")).find((r) => r.id === replayId && finished(r)), TICK_WAIT, 250);
    expect(replay).toMatchObject({ status: "completed", triggered_by: "replay", replay_of: failed.id, output: { status: 200 } });

    const deliveries = receiver.received.filter((r) => r.url === "/orders");
    const original = deliveries.find((r) => r.headers["webhook-id"] === failed.id)!;
    const again = deliveries.find((r) => r.headers["webhook-id"] === replayId)!;
    expect(original).toBeDefined();
    expect(again).toBeDefined();
    // the same task with the same inputs, so the same body template; a replay is due when it was asked for
    expect(JSON.parse(again.body).task).toBe("orders");
    expect(again.headers["webhook-signature"]).toBe(signature(replayId, String(again.headers["webhook-timestamp"]), again.body));

    // another user can neither replay the run, nor the task's range, nor run the task: none exists for them
    const refused = (work: (tx: typeof admin) => Promise<unknown>) =>
      asUser(work, otherId).then(() => "done", (err) => (err as { code?: string }).code);
    expect(await refused((tx) => tx`select scheduler.replay_run(${failed.id})`)).toBe("P0002");
    expect(await refused((tx) => tx`select * from scheduler.replay_runs(${tasks.orders}, ${new Date(0)}, ${new Date()})`)).toBe("P0002");
    expect(await refused((tx) => tx`select scheduler.run_task_now(${tasks.orders})`)).toBe("P0002");

    // the owner's bulk replay over the range, filtered by status: the failed
    // run is replayed already, so of the completed ones only the replay is
    // picked, replayed and delivered
    const replays = await asUser((tx) => tx`select run_id, replay_of from scheduler.replay_runs(${tasks.orders},
      ${new Date(failed.scheduled_time.getTime() - 1000)}, ${new Date()}, p_statuses => '{completed}')`);
    expect(replays.map((r) => r.replay_of)).toEqual([replayId]);
    const bulk = await waitFor("the bulk replay to finish", async () => (await runsOf("orders")).find((r) => r.id === replays[0].run_id && finished(r)), TICK_WAIT, 250);
    expect(bulk).toMatchObject({ status: "completed", triggered_by: "replay", replay_of: replayId });
    expect(receiver.received.filter((r) => r.url === "/orders" && r.headers["webhook-id"] === replays[0].run_id)).toHaveLength(1);
  }, 3 * TICK_WAIT + 10_000);

  test("a backfill of a paused task's past slots is delivered, each run at its slot", async () => {
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 1);
    const from = new Date(to.getTime() - 2 * 3_600_000 + 1);
    const preview = await asUser((tx) => tx`select slot from scheduler.backfill(${tasks["hourly-export"]}, ${from}, ${to})`);
    expect(preview).toHaveLength(2);
    const made = await asUser((tx) => tx`select slot, run_id from scheduler.backfill(${tasks["hourly-export"]}, ${from}, ${to}, false)`);
    expect(made.map((r) => r.slot)).toEqual(preview.map((r) => r.slot));
    const runs = await waitFor("both backfill runs to finish", async () => {
      const rs = await runsOf("hourly-export");
      return rs.length === 2 && rs.every(finished) ? rs : undefined;
    }, TICK_WAIT, 250);
    expect(runs.map((r) => [r.status, r.triggered_by])).toEqual([["completed", "backfill"], ["completed", "backfill"]]);
    const bodies = receiver.received.filter((r) => r.url === "/export").map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => new Date(b.slot).toISOString()).sort()).toEqual(made.map((r) => new Date(r.slot).toISOString()).sort());
    expect(bodies.every((b) => b.by === "backfill")).toBe(true);
    // a second backfill of the same range finds nothing left to fill
    expect(await asUser((tx) => tx`select * from scheduler.backfill(${tasks["hourly-export"]}, ${from}, ${to}, false)`)).toHaveLength(0);
  }, TICK_WAIT + 10_000);

  test("run now with an idempotency key, pressed twice, is one run, delivered once", async () => {
    const press = () => asUser(async (tx) => (await tx`select scheduler.run_task_now(${tasks["hourly-export"]}, p_idempotency_key => 'e2e-press') as id`)[0].id as string);
    const first = await press();
    expect(await press()).toBe(first);
    const run = await waitFor("the run now to finish", async () => (await runsOf("hourly-export")).find((r) => r.id === first && finished(r)), TICK_WAIT, 250);
    expect(run).toMatchObject({ status: "completed", triggered_by: "manual" });
    expect(receiver.received.filter((r) => r.url === "/export" && r.headers["webhook-id"] === first)).toHaveLength(1);
    expect((await runsOf("hourly-export")).filter((r) => r.triggered_by === "manual")).toHaveLength(1);
  }, TICK_WAIT + 10_000);
});
