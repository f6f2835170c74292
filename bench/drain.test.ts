// The drain workload's own correctness, on small sizes: every job of every
// system runs exactly once (each drain throws otherwise), and the measured
// rate is a real number. The timings themselves are never asserted.
import postgres from "postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, stack } from "../tests/helpers/stack.ts";
import { drainBoss, drainGraphile, drainOurs } from "./lib/drain.mjs";
import { hotPathPlans, measureClaim, seedNeedle } from "./lib/needle.mjs";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 1);
let ownerId = "";

async function freshDatabase(name: string) {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name} owner postgres`);
  return stack.dbUrl.replace(/\/postgres$/, `/${name}`);
}

beforeAll(async () => {
  [{ id: ownerId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`bench-${Date.now()}@test.local`}) returning id`;
});
afterAll(async () => {
  await admin`delete from auth.users where id = ${ownerId}`;
  for (const db of ["bench_test_gw", "bench_test_boss"]) await admin.unsafe(`drop database if exists ${db} with (force)`);
  await admin.end();
});

test("ours drains every job exactly once", async () => {
  const r = await drainOurs({ dbUrl: stack.dbUrl, ownerId, n: 600, workers: 3, batch: 100 });
  expect(r.perSecond).toBeGreaterThan(0);
}, 60_000);

test("graphile-worker drains every job exactly once, with and without batching", async () => {
  for (const batching of [false, true]) {
    const r = await drainGraphile({ dbUrl: await freshDatabase("bench_test_gw"), n: 300, batching });
    expect(r.perSecond).toBeGreaterThan(0);
  }
}, 120_000);

test("pg-boss drains every job exactly once", async () => {
  const r = await drainBoss({ dbUrl: await freshDatabase("bench_test_boss"), n: 300, batchSize: 100 });
  expect(r.perSecond).toBeGreaterThan(0);
}, 120_000);

test("the needle claims exactly the due 1%, in a transaction it rolls back", async () => {
  await seedNeedle({ dbUrl: stack.dbUrl, adminDbUrl: stack.adminDbUrl, ownerId, tasks: 2000, runs: 5000 });
  const seeded = postgres(stack.dbUrl, { max: 1 });
  const [counts] = await seeded`
    select (select count(*)::int from scheduler.tasks where owner_id = ${ownerId}) as tasks,
      (select count(*)::int from scheduler.tasks where owner_id = ${ownerId} and next_run_at <= '2100-01-01') as due,
      (select count(*)::int from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id where t.owner_id = ${ownerId}) as runs`;
  await seeded.end();
  expect(counts).toEqual({ tasks: 2000, due: 20, runs: 5000 });
  const first = await measureClaim({ dbUrl: stack.dbUrl, limit: 1000, repetitions: 2 });
  const again = await measureClaim({ dbUrl: stack.dbUrl, limit: 1000, repetitions: 1 });
  expect(first.claimed).toBe(20);
  expect(first.warm).toHaveLength(2);
  expect(again.claimed).toBe(20);
  // the plans come from the claim itself: every statement it runs, explained
  const plans = await hotPathPlans({ adminDbUrl: stack.adminDbUrl });
  const ranking = plans.plans.find((p) => /\bcandidates as \(/.test(p));
  // the due index, in its own table (an index or a bitmap index scan)
  expect(ranking).toMatch(/Index Scan (using|on) due_tasks_next_run_at_idx/);
  expect(ranking).not.toMatch(/Seq Scan on (tasks|due_tasks)/);
  const sql = postgres(stack.dbUrl, { max: 1 });
  await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
  await sql.end();
}, 120_000);
