// An http function's worker killed mid-run, through the real tick: the run
// was started and its request sent, so its outcome is unknown. It is not
// left running and not silently sent again as a new delivery: after its
// lease it is failed as "outcome unknown" and retried under the same
// idempotency key, so a receiver that keeps the ids it processed (Standard
// Webhooks' webhook-id) processes that due time once.
import { afterAll, beforeAll, expect, test } from "vitest";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 2);
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
let taskId = "";
let marginBefore: unknown;
const processed = new Set<string>();
let duplicates = 0;

beforeAll(async () => {
  // the lease is heartbeat_lease (15 s) past the last heartbeat, and never past
  // timeout_seconds + lease_margin; a short margin keeps that bound short too
  [{ value: marginBefore }] = await admin`select value from scheduler_internal.settings where key = 'lease_margin'`;
  await admin`update scheduler_internal.settings set value = '"2 seconds"' where key = 'lease_margin'`;
  receiver = await loopbackServer((req, res) => {
    const id = String(req.headers["webhook-id"]);
    if (processed.has(id)) {
      duplicates++;
      return void res.writeHead(200).end("already processed");
    }
    processed.add(id);
    // the first delivery takes long enough for its worker to be killed under it
    setTimeout(() => res.writeHead(200).end("done"), 8_000);
  });
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-killed-${Date.now()}@test.local`}) returning id`;
  const due = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000);
  [{ id: taskId }] = await admin`
    insert into scheduler.tasks (name, type, action_type, action_payload, run_at, owner_id, created_by, timeout_seconds, max_attempts, retry_backoff_seconds)
    values ('killed mid-run', 'scheduled', 'http', ${admin.json({ url: `${receiver.url}/work`, method: "POST", body: "{}" })}, ${due}, ${userId}, ${userId}, 15, 3, 1)
    returning id`;
});

afterAll(async () => {
  await admin`update scheduler_internal.settings set value = ${admin.json(marginBefore as never)} where key = 'lease_margin'`;
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
  await receiver?.close();
});

const runs = () => admin`
  select id, attempt, status, triggered_by, idempotency_key, error_message from scheduler.task_runs where task_id = ${taskId} order by attempt`;

test("a worker killed mid-run: the run is reconciled as outcome unknown and its retry is recognised as the same delivery", async () => {
  await waitFor("the first delivery to reach the receiver", async () => (processed.size > 0 ? true : undefined), 90_000, 100);
  const [started] = await runs();
  expect(started.status).toBe("running");
  const kill = await fetch(`${process.env.SUPABASE_URL}/_local/kill/http`, { method: "POST" });
  expect((await kill.json()).killed.length).toBeGreaterThan(0);

  const done = await waitFor("the retry to complete", async () => {
    const rs = await runs();
    return rs.some((r) => r.status === "completed") ? rs : undefined;
  }, 150_000, 500);
  expect(done.map((r) => `${r.attempt} ${r.status} ${r.triggered_by}`)).toEqual(["1 failed schedule", "2 completed retry"]);
  expect(done[0].error_message).toMatch(/^outcome unknown: the run started at .* reported nothing before its lease expired/);
  // the same due time, the same key: the receiver saw it twice and processed it once
  expect(done[1].idempotency_key).toBe(done[0].id);
  expect([...processed]).toEqual([done[0].id]);
  expect(duplicates).toBe(1);
}, 250_000);
