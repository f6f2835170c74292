// A dispatcher's call to an action function cut off after the function took
// the runs but before its 202 arrived: the dispatcher cannot know what the
// function did. It gives back what is still claimed and claims it again; the
// start gate lets each run start once. The real dispatcher and the real http
// action run in this process, with a proxy between them that drops the first
// answer; their clock runs in 2040 (the live stack's dispatcher, on the real
// clock, never sees these tasks).
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dispatcherSecret, jwtSecret, secretKey, secretKeys, serviceRoleKey } from "../../scripts/lib/keys.mjs";
import { postgresDb } from "../../supabase/functions/_shared/db.ts";
import { memoryLogger } from "../../supabase/functions/_shared/logger.ts";
import { parseAllowList } from "../../supabase/functions/_shared/ssrf.ts";
import { tick } from "../../supabase/functions/dispatcher/handler.ts";
import { createHandler as createHttpAction } from "../../supabase/functions/http/handler.ts";
import { serveFunction } from "../helpers/functions-server.ts";
import { loopbackServer } from "../helpers/loopback.ts";
import { connect, forgetPinnedDispatch, stack } from "../helpers/stack.ts";
import { nodeConnect } from "../helpers/node-connect.ts";

const sql = connect();
const OFFSET = Date.parse("2040-06-01T00:00:00.000Z") - Date.now();
const now = () => new Date(Date.now() + OFFSET);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let proxy: Awaited<ReturnType<typeof serveFunction>>;
let functionsUrl = "";
let userId = "";
const background: Promise<unknown>[] = [];
const calls: { cut: boolean; tasks: string[] }[] = [];

beforeAll(async () => {
  receiver = await loopbackServer((_req, res) => void res.writeHead(200).end("ok"));
  const action = createHttpAction({
    db: postgresDb(stack.dbUrl), fetch, now, sleep, waitUntil: (p) => void background.push(p),
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger: memoryLogger(), auth: { secretKeys, serviceRoleKey, jwtSecret }, allowHosts: parseAllowList("127.0.0.1"), connect: nodeConnect(),
  });
  // the first call reaches the function, whose answer is then lost
  proxy = await serveFunction(action, (body) => {
    const cut = calls.length === 0;
    calls.push({ cut, tasks: JSON.parse(body).runs.map((r: { task_id: string }) => r.task_id) });
    return cut ? "cut" : undefined;
  });
  functionsUrl = proxy.functionsUrl;
  [{ id: userId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`cut-off-${Date.now()}@test.local`}) returning id`;
});

afterAll(async () => {
  await Promise.allSettled(background);
  await sql`delete from auth.users where id = ${userId}`;
  await forgetPinnedDispatch(sql);
  await sql.end();
  await proxy.close();
  await receiver.close();
});

test("a call cut off after the action took its runs: every run is sent once and recorded, none lost", async () => {
  const payload = (i: number) => sql.json({ url: `${receiver.url}/run-${i}`, method: "POST", body: "{}" });
  const at = now();
  const soon = new Date(at.getTime() + 2_000);
  const ids: string[] = [];
  // three due in two seconds (claimed ahead, waiting in the action when the answer is lost)
  for (let i = 0; i < 3; i++) {
    const [{ id }] = await sql`
      insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, max_attempts)
      values (${`cut ${i}`}, 'scheduled', 'http', ${payload(i)}, ${userId}, ${soon}, 1) returning id`;
    ids.push(id);
  }
  // two due now (the action may start them before the answer is lost)
  for (let i = 3; i < 5; i++) {
    const [{ id }] = await sql`
      insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, max_attempts)
      values (${`cut ${i}`}, 'manual', 'http', ${payload(i)}, ${userId}, 1) returning id`;
    await sql`insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values (${id}, ${at}, 'queued', 'manual')`;
    ids.push(id);
  }
  const summary = await tick({
    db: postgresDb(stack.dbUrl), fetch, now, sleep, logger: memoryLogger(), waitUntil: () => {},
    auth: { secretKeys, serviceRoleKey, jwtSecret }, functionsUrl, serviceHeaders: { apikey: secretKey },
    dispatcherSecret, newId: () => crypto.randomUUID(), config: { loopSeconds: 6 },
  }, "test");
  await Promise.allSettled(background);
  const ours = (c: { tasks: string[] }) => c.tasks.filter((t) => ids.includes(t)).sort();
  expect(calls[0].cut).toBe(true);
  expect(ours(calls[0])).toEqual([...ids].sort());
  // what had not started when the answer was lost (at least the three due
  // later) was given back and handed over again, in a call that got through
  expect(calls.slice(1).flatMap(ours)).toEqual(expect.arrayContaining(ids.slice(0, 3)));
  expect(summary.givenBack).toBeGreaterThanOrEqual(3);
  expect(summary.errors.join()).toMatch(/could not call the http function/);

  const runs = await sql`select task_id, status, attempt from scheduler.task_runs where task_id = any(${ids})`;
  expect(runs.map((r) => `${r.status} ${r.attempt}`)).toEqual(Array(5).fill("completed 1"));
  const hits = receiver.received.filter((r) => /^\/run-\d$/.test(r.url));
  expect(hits.map((r) => r.url).sort()).toEqual(["/run-0", "/run-1", "/run-2", "/run-3", "/run-4"]);
  expect(new Set(hits.map((r) => r.headers["webhook-id"])).size).toBe(5);
}, 30_000);
