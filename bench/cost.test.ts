// The cost meters' own correctness, on small drains: the rows they count are
// the rows the drain wrote, the DB time and WAL are real numbers, and the CPU
// meter sees a process burn CPU. The costs themselves are never asserted.
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, stack } from "../tests/helpers/stack.ts";
import { prepareCostMeters, startCpuMeter, startDbMeter, treeCpuSeconds } from "./lib/cost.mjs";
import { drainGraphile, drainOurs } from "./lib/drain.mjs";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 1);
let ownerId = "";

beforeAll(async () => {
  [{ id: ownerId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`bench-cost-${Date.now()}@test.local`}) returning id`;
  await prepareCostMeters(stack.adminDbUrl);
});
afterAll(async () => {
  await admin`delete from auth.users where id = ${ownerId}`;
  await admin.unsafe("drop database if exists bench_test_cost_gw with (force)");
  // leave the test cluster as it was
  await admin`drop extension if exists pg_walinspect`;
  await admin`alter system reset pg_stat_statements.track_planning`;
  await admin`select pg_reload_conf()`;
  await admin.end();
});

test("the DB meter counts the runs our drain inserts, and its DB time and WAL", async () => {
  const meter = () => startDbMeter({ adminDbUrl: stack.adminDbUrl, dbUrl: stack.dbUrl, dbName: new URL(stack.dbUrl).pathname.slice(1) });
  const r = await drainOurs({ dbUrl: stack.dbUrl, ownerId, n: 300, workers: 2, batch: 100, meter });
  const runs = r.cost.tables.find((t: { name: string }) => t.name === "scheduler.task_runs");
  expect(runs.ins).toBeGreaterThanOrEqual(300);
  expect(r.cost.dbMs).toBeGreaterThan(0);
  expect(r.cost.statements).toBeGreaterThan(0);
  expect(r.cost.walBytes).toBeGreaterThan(0);
  // pg_walinspect names the relations: the runs' primary key took one entry per run at least
  const pkey = r.cost.relations.find((x: { name: string }) => x.name === "scheduler.task_runs_pkey");
  expect(pkey.indexInserts).toBeGreaterThanOrEqual(300);
}, 60_000);

test("the DB meter of a peer's own database sees graphile-worker delete every job it ran", async () => {
  await admin.unsafe("drop database if exists bench_test_cost_gw with (force)");
  await admin.unsafe("create database bench_test_cost_gw owner postgres");
  const dbUrl = stack.dbUrl.replace(/\/postgres$/, "/bench_test_cost_gw");
  const r = await drainGraphile({ dbUrl, n: 300, batching: false, meter: () => startDbMeter({ adminDbUrl: stack.adminDbUrl, dbUrl, dbName: "bench_test_cost_gw" }) });
  const jobs = r.cost.tables.find((t: { name: string }) => t.name === "graphile_worker._private_jobs");
  expect(jobs.del).toBe(300);
  expect(r.cost.dbMs).toBeGreaterThan(0);
  expect(r.cost.dbWalBytes).toBeGreaterThan(0);
}, 120_000);

test("the CPU meter sees this process burn CPU", () => {
  const tree = treeCpuSeconds([process.pid]);
  const meter = startCpuMeter({ roots: [process.pid] });
  const until = performance.now() + 300;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
  expect(tree).toBeGreaterThan(0);
  expect(meter.end()).toBeGreaterThan(0.1);
});
