// The dispatcher and an action function through a transaction pooler (on
// hosted: Supavisor, port 6543, set as SCHEDULER_DB_URL): claim, hand-over,
// start gate and completion, with two server connections shared by both and
// every statement free to land on either. The real dispatcher and http action
// run in this process; their clock runs in 2043, so the live stack's
// dispatcher never sees these tasks.
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
import { startTransactionPooler } from "../helpers/pooler.ts";
import { connect, forgetPinnedDispatch } from "../helpers/stack.ts";
import { nodeConnect } from "../helpers/node-connect.ts";

const sql = connect();
const OFFSET = Date.parse("2043-03-01T00:00:00.000Z") - Date.now();
const now = () => new Date(Date.now() + OFFSET);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let pooler: Awaited<ReturnType<typeof startTransactionPooler>>;
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
let functions: Awaited<ReturnType<typeof serveFunction>>;
let functionsUrl = "";
let userId = "";
const background: Promise<unknown>[] = [];

beforeAll(async () => {
  pooler = await startTransactionPooler(2);
  receiver = await loopbackServer((_req, res) => void res.writeHead(200).end("ok"));
  const action = createHttpAction({
    db: postgresDb(pooler.url), fetch, now, sleep, waitUntil: (p) => void background.push(p),
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger: memoryLogger(), auth: { secretKeys, serviceRoleKey, jwtSecret }, allowHosts: parseAllowList("127.0.0.1"), connect: nodeConnect(),
  });
  functions = await serveFunction(action);
  functionsUrl = functions.functionsUrl;
  [{ id: userId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`pooler-${Date.now()}@test.local`}) returning id`;
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(background);
  await sql`delete from auth.users where id = ${userId}`;
  await forgetPinnedDispatch(sql);
  await sql.end();
  await functions.close();
  await receiver.close();
  await pooler?.stop();
});

test("claim, hand-over, start gate and completion work through a transaction pooler", async () => {
  const at = now();
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const [{ id }] = await sql`
      insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, max_attempts, priority)
      values (${`pooled ${i}`}, 'scheduled', 'http', ${sql.json({ url: `${receiver.url}/pooled-${i}`, method: "POST", body: "{}" })}, ${userId},
        ${new Date(at.getTime() + (i < 20 ? 0 : 2_000))}, 1, 'critical')
      returning id`;
    ids.push(id);
  }
  const summary = await tick({
    db: postgresDb(pooler.url), fetch, now, sleep, logger: memoryLogger(), waitUntil: () => {},
    auth: { secretKeys, serviceRoleKey, jwtSecret }, functionsUrl, serviceHeaders: { apikey: secretKey },
    dispatcherSecret, newId: () => crypto.randomUUID(), config: { loopSeconds: 5, actionBatch: 7 },
  }, "test");
  await Promise.allSettled(background);
  expect(summary.errors).toEqual([]);
  const runs = await sql`select status, count(*)::int as n from scheduler.task_runs where task_id = any(${ids}) group by status`;
  expect(runs).toEqual([{ status: "completed", n: 40 }]);
  const hits = receiver.received.filter((r) => r.url.startsWith("/pooled-"));
  expect(hits).toHaveLength(40);
  expect(new Set(hits.map((r) => r.headers["webhook-id"])).size).toBe(40);
  // and it was the pooler that carried them
  expect(pooler.log()).toMatch(/login attempt: db=postgres user=postgres/);
}, 60_000);
