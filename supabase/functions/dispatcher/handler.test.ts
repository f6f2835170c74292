// The dispatcher against the real database, with the real http action served
// on a loopback port: claim, fan out one call per batch, one completion per
// batch. Its clock is pinned in 2033, so only this file's runs are due.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { anonKey, dispatcherSecret, jwtSecret, publishableKey, secretKey, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler as createHttpHandler } from "../http/handler.ts";
import { createHandler, type DispatcherDeps, tick } from "./handler.ts";

const sql = connect();
const T0 = new Date("2033-01-01T00:00:00.000Z");
let functions: http.Server;
let functionsUrl = "";
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let userId = "";
const actionCalls: number[] = [];
let runsAtAction = 0;
let peakRunsAtAction = 0;

beforeAll(async () => {
  receiver = await loopbackServer((req, res) => {
    // /slow holds its answer a little, so batches sent without a bound would overlap
    if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("ok"), 40);
    res.writeHead(req.url === "/fail" ? 503 : 200).end("ok");
  });
  const httpAction = createHttpHandler({
    fetch, now: () => new Date(), sleep: async () => {}, resolve: async () => ["127.0.0.1"], logger: memoryLogger(),
    auth: { secretKeys, serviceRoleKey, jwtSecret }, allowHosts: parseAllowList("127.0.0.1"),
  });
  // the real http action, served the way the gateway serves it
  functions = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const runs = JSON.parse(body).runs.length;
    actionCalls.push(runs);
    runsAtAction += runs;
    peakRunsAtAction = Math.max(peakRunsAtAction, runsAtAction);
    const response = await httpAction(new Request(`http://fn${req.url}`, { method: req.method, headers: req.headers as HeadersInit, body }));
    runsAtAction -= runs;
    res.writeHead(response.status, { "content-type": "application/json" }).end(await response.text());
  });
  await new Promise<void>((r) => functions.listen(0, "127.0.0.1", r));
  functionsUrl = `http://127.0.0.1:${(functions.address() as AddressInfo).port}/functions/v1`;
  [{ id: userId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`dispatcher-${Date.now()}@test.local`}) returning id`;
});

afterAll(async () => {
  await sql`delete from auth.users where id = ${userId}`;
  await sql.end();
  functions.close();
  await receiver.close();
});

function deps(overrides: Partial<DispatcherDeps> = {}): DispatcherDeps {
  return {
    db: postgresDb(stack.dbUrl),
    fetch,
    now: () => T0,
    logger: memoryLogger(),
    waitUntil: () => {},
    auth: { secretKeys, serviceRoleKey, jwtSecret },
    functionsUrl,
    serviceRoleKey,
    dispatcherSecret,
    newId: () => crypto.randomUUID(),
    config: { actionBatch: 3 },
    ...overrides,
  };
}

test("a tick claims every due run, calls the action once per batch and records the outcomes", async () => {
  const taskIds: string[] = [];
  for (let i = 0; i < 7; i++) {
    const [{ id }] = await sql`
      insert into public.tasks (name, type, action_type, action_payload, owner_id, max_attempts)
      values (${`dispatch ${i}`}, 'manual', 'http', ${sql.json({ url: `${receiver.url}/${i === 6 ? "fail" : "ok"}`, method: "GET" })}, ${userId}, 1)
      returning id`;
    taskIds.push(id);
    await sql`insert into public.task_runs (task_id, scheduled_time, status, triggered_by) values (${id}, ${T0}, 'queued', 'manual')`;
  }
  actionCalls.length = 0;
  const summary = await tick(deps(), "test");
  expect(summary).toMatchObject({ claimed: 7, completed: 6, failed: 1, batches: 3, followUp: false });
  expect(actionCalls).toEqual([3, 3, 1]);
  const rows = await sql`select status, output->>'status' as http_status from public.task_runs where task_id = any(${taskIds}) order by status`;
  expect(rows.filter((r) => r.status === "completed")).toHaveLength(6);
  expect(rows.filter((r) => r.status === "failed")).toEqual([{ status: "failed", http_status: "503" }]);
});

test("it claims more only while fewer than maxRunsInFlight runs are out at the action functions", async () => {
  const taskIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const [{ id }] = await sql`
      insert into public.tasks (name, type, action_type, action_payload, owner_id, max_attempts)
      values (${`bounded ${i}`}, 'manual', 'http', ${sql.json({ url: `${receiver.url}/slow`, method: "GET" })}, ${userId}, 1)
      returning id`;
    taskIds.push(id);
    await sql`insert into public.task_runs (task_id, scheduled_time, status, triggered_by) values (${id}, ${T0}, 'queued', 'manual')`;
  }
  actionCalls.length = 0;
  peakRunsAtAction = 0;
  let sampled = 0;
  const memory = () => (40 + sampled++) * 2 ** 20;
  const summary = await tick(deps({ memory, config: { claimBatch: 2, actionBatch: 2, maxRunsInFlight: 4 } }), "test");
  expect(summary).toMatchObject({ claimed: 10, completed: 10, failed: 0, batches: 5 });
  // sampled after each claim (6, the last one empty) and each batch (5): the peak is the last sample
  expect(summary.peakMemoryMb).toBe(40 + 11 - 1);
  expect(peakRunsAtAction).toBeGreaterThan(0);
  expect(peakRunsAtAction).toBeLessThanOrEqual(4);
  const [{ completed }] = await sql`select count(*)::int as completed from public.task_runs where task_id = any(${taskIds}) and status = 'completed'`;
  expect(completed).toBe(10);
});

test("a short claim does not end the tick: runs another invocation holds back do not hide the rest", async () => {
  // seven critical tasks are locked by "another invocation", so the claim's
  // ranked candidates are mostly taken and the first claim comes back short
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const [{ id }] = await sql`
      insert into public.tasks (name, type, action_type, action_payload, owner_id, run_at, priority, max_attempts)
      values (${`contended ${i}`}, 'scheduled', 'http', ${sql.json({ url: `${receiver.url}/ok`, method: "GET" })}, ${userId},
        ${T0}, ${i < 7 ? "critical" : "low"}, 1)
      returning id`;
    ids.push(id);
  }
  const other = connect(stack.dbUrl, 1);
  const locked = other.reserve();
  const holder = await locked;
  try {
    await holder`begin`;
    await holder`select id from public.tasks where id = any(${ids.slice(0, 7)}) for update`;
    const summary = await tick(deps({ config: { claimBatch: 2, actionBatch: 2, lookaheadSeconds: 0 } }), "test");
    expect(summary).toMatchObject({ claimed: 5, completed: 5, failed: 0 });
  } finally {
    await holder`rollback`;
    holder.release();
    await other.end();
  }
  const claimed = await sql`select t.name from public.task_runs r join public.tasks t on t.id = r.task_id where t.id = any(${ids})`;
  expect(claimed.map((r) => r.name).sort()).toEqual(["contended 10", "contended 11", "contended 7", "contended 8", "contended 9"]);
  await sql`delete from public.tasks where id = any(${ids})`;
});

test("an action function that cannot be reached fails the batch's runs as retryable, loudly", async () => {
  const [{ id }] = await sql`
    insert into public.tasks (name, type, action_type, action_payload, owner_id, max_attempts)
    values ('unreachable', 'manual', 'http', ${sql.json({ url: `${receiver.url}/ok` })}, ${userId}, 2) returning id`;
  await sql`insert into public.task_runs (task_id, scheduled_time, status, triggered_by) values (${id}, ${T0}, 'queued', 'manual')`;
  const logger = memoryLogger();
  const summary = await tick(deps({ functionsUrl: "http://127.0.0.1:9/functions/v1", logger }), "test");
  expect(summary.failed).toBeGreaterThanOrEqual(1);
  const runs = await sql`select status, attempt, error_message from public.task_runs where task_id = ${id} order by attempt`;
  expect(runs[0]).toMatchObject({ status: "failed", attempt: 1 });
  expect(runs[0].error_message).toMatch(/could not call the http function/);
  // the retry falls inside the lookahead, so the same invocation tries again
  expect(runs[1]).toMatchObject({ status: "failed", attempt: 2 });
  expect(runs).toHaveLength(2);
  expect(logger.lines.some((l) => l.level === "warn" && l.run_id)).toBe(true);
});

test("only a service credential or the dispatcher secret may call it", async () => {
  const waited: Promise<unknown>[] = [];
  const handler = createHandler(deps({ waitUntil: (p) => void waited.push(p) }));
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
