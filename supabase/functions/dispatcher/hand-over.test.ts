// The hand-over of a batch, against the real database and an action function
// on a loopback port: a 202 leaves the runs claimed for the action's gate; a
// refusal, or a function that cannot be reached, puts them back in the queue.
// Its clock is pinned in 2037, so only this file's runs are due then.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { RunToExecute } from "../../../shared/contract.ts";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import { claimRuns, createTask, createUser } from "../_shared/claims.test-helpers.ts";
import { type Db, postgresDb } from "../_shared/db.ts";
import { type ClaimedRow, handOver, type HandOverDeps, toRun } from "./hand-over.ts";

const sql = connect();
const T0 = new Date("2037-01-01T00:00:00.000Z");
let action: Awaited<ReturnType<typeof loopbackServer>>;
let answer = 202;
let owner = "";
let db: Db;
let slot = 0;

beforeAll(async () => {
  action = await loopbackServer((req, res) => {
    res.writeHead(answer, { "content-type": "application/json" }).end(answer === 202 ? '{"accepted":1,"rejected":0}' : '{"error":{"code":"boom"}}');
  });
  owner = await createUser(sql, "hand-over");
  db = postgresDb(stack.dbUrl)();
});

afterAll(async () => {
  await sql`delete from auth.users where id = ${owner}`;
  await db.close();
  await sql.end();
  await action.close();
});

const deps = (overrides: Partial<HandOverDeps> = {}): HandOverDeps => ({
  db, fetch, now: () => T0, functionsUrl: `${action.url}/functions/v1`, serviceHeaders: { apikey: "test-secret-key" }, callTimeoutMs: 5_000,
  ...overrides,
});

/** Claims one run of its own as `worker`, each in an hour of its own. */
async function claimedRun(worker: string): Promise<RunToExecute> {
  const at = new Date(T0.getTime() + slot++ * 3_600_000);
  const taskId = await createTask(sql, { owner, action_payload: { url: "http://127.0.0.1:9/x", method: "GET" }, run_at: at });
  const [run] = await claimRuns(sql, { now: at, worker, taskIds: [taskId] });
  return run;
}
const statusOf = async (run: RunToExecute) => (await sql`select status, locked_by from scheduler.task_runs where id = ${run.run_id}`)[0];

test("a claimed row becomes the run the action receives; start_at only when it is due after the claim", () => {
  const row: ClaimedRow = {
    run_id: "00000000-0000-4000-8000-000000000001", task_id: "11111111-1111-4111-8111-111111111111", attempt: 2,
    scheduled_time: new Date("2037-01-01T00:00:05.000Z"), triggered_by: "retry", timeout_seconds: 30, action_type: "http",
    action_payload: { url: "https://example.com" }, inputs: null, task: {} as ClaimedRow["task"], steps: null as unknown as ClaimedRow["steps"],
    idempotency_key: "00000000-0000-4000-8000-0000000000aa",
  };
  const ahead = toRun(row, T0);
  expect(ahead).toMatchObject({
    run_id: row.run_id, attempt: 2, scheduled_time: "2037-01-01T00:00:05.000Z", start_at: "2037-01-01T00:00:05.000Z",
    payload: row.action_payload, inputs: {}, steps: [], idempotency_key: row.idempotency_key,
  });
  expect(toRun({ ...row, scheduled_time: "2037-01-01T00:00:05.000Z" }, new Date("2037-01-01T00:00:05.000Z"))).not.toHaveProperty("start_at");
});

test("a 202 hands the whole batch over, authenticated, and leaves the runs claimed for the gate", async () => {
  const worker = `hand-over-test:${crypto.randomUUID()}`;
  const runs = [await claimedRun(worker), await claimedRun(worker)];
  answer = 202;
  const result = await handOver(deps(), worker, "http", runs);
  expect(result).toEqual({ handed: 2, refused: null, givenBack: 0 });
  const call = action.received.at(-1)!;
  expect([call.method, call.url, call.headers.apikey, call.headers["content-type"]]).toEqual(["POST", "/functions/v1/http", "test-secret-key", "application/json"]);
  expect(JSON.parse(call.body)).toEqual({ worker, runs });
  for (const run of runs) expect(await statusOf(run)).toEqual({ status: "claimed", locked_by: worker });
});

test("a project that installed an action's function under another name gets the batch there", async () => {
  const worker = `hand-over-test:${crypto.randomUUID()}`;
  const run = await claimedRun(worker);
  answer = 202;
  const result = await handOver(deps({ actionFunctions: { notify: "scheduler-notify" } }), worker, "notify", [run]);
  expect(result).toEqual({ handed: 1, refused: null, givenBack: 0 });
  expect(action.received.at(-1)!.url).toBe("/functions/v1/scheduler-notify");
});

test("a refused batch is given back to the queue, and the refusal says what the function answered", async () => {
  const worker = `hand-over-test:${crypto.randomUUID()}`;
  const run = await claimedRun(worker);
  answer = 503;
  const result = await handOver(deps(), worker, "http", [run]);
  expect(result).toEqual({ handed: 0, refused: 'the http function answered 503: {"error":{"code":"boom"}}', givenBack: 1 });
  expect(await statusOf(run)).toEqual({ status: "queued", locked_by: null });
});

test("a function that cannot be reached is a refusal too; only runs still claimed by this worker are given back", async () => {
  const worker = `hand-over-test:${crypto.randomUUID()}`;
  const mine = await claimedRun(worker);
  const others = await claimedRun(`hand-over-test:${crypto.randomUUID()}`);
  const result = await handOver(deps({ functionsUrl: "http://127.0.0.1:9/functions/v1" }), worker, "notify", [mine, others]);
  expect(result.refused).toMatch(/^could not call the notify function: /);
  expect(result).toMatchObject({ handed: 0, givenBack: 1 });
  expect(await statusOf(mine)).toMatchObject({ status: "queued" });
  expect(await statusOf(others)).toMatchObject({ status: "claimed" });
});

test("when giving back fails it says so, and never rejects", async () => {
  const worker = `hand-over-test:${crypto.randomUUID()}`;
  const run = await claimedRun(worker);
  answer = 500;
  const broken: Db = { executeSql: () => Promise.reject(new Error("connection reset by peer")), close: async () => {} };
  const result = await handOver(deps({ db: broken }), worker, "http", [run]);
  expect(result).toMatchObject({ handed: 0, givenBack: 0, refused: expect.stringMatching(/answered 500/) });
  expect(String(result.giveBackError)).toMatch(/connection reset by peer/);
  expect(await statusOf(run)).toEqual({ status: "claimed", locked_by: worker });
});
