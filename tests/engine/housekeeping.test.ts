// The daily prune-history job as pg_cron runs it: its command, at top level
// as the postgres role, commits after every batch. pgTAP cannot show this
// (it runs inside a transaction), and the procedure this job replaced failed
// at its first COMMIT every night ("invalid transaction termination").
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect } from "../helpers/stack.ts";

const sql = connect();
const marker = `housekeeping-test-${process.pid}-${Date.now()}`;
let batchSize: unknown;

beforeAll(async () => {
  [{ value: batchSize }] = await sql`select value from scheduler_internal.settings where key = 'prune_batch_size'`;
  // every deletion of this file's rows notes the transaction it ran in
  await sql.unsafe(`
    create schema housekeeping_probe;
    create table housekeeping_probe.deletions (xid xid8 not null);
    create function housekeeping_probe.note() returns trigger language plpgsql set search_path = '' as $$
    begin
      insert into housekeeping_probe.deletions values (pg_catalog.pg_current_xact_id());
      return null;
    end $$;
    create trigger zz_housekeeping_probe after delete on scheduler.system_logs
      for each row when (old.module = '${marker}') execute function housekeeping_probe.note();
  `);
});

afterAll(async () => {
  await sql`update scheduler_internal.settings set value = ${sql.json(batchSize as never)} where key = 'prune_batch_size'`;
  await sql`drop schema if exists housekeeping_probe cascade`;
  await sql`delete from scheduler.system_logs where module = ${marker}`;
  await sql.end();
});

test("the prune-history job commits each batch, as pg_cron runs it", async () => {
  await sql`
    insert into scheduler.system_logs (level, module, message, created_at)
    select 'info', ${marker}, 'old ' || g, now() - interval '40 days' - make_interval(secs => g) from generate_series(1, 7) g`;
  await sql`insert into scheduler.system_logs (level, module, message) values ('info', ${marker}, 'young')`;
  await sql`update scheduler_internal.settings set value = '3' where key = 'prune_batch_size'`;

  const [{ command }] = await sql`select command from cron.job where jobname = 'prune-history'`;
  await sql.unsafe(command); // outside any transaction block, like pg_cron

  const left = await sql`select message from scheduler.system_logs where module = ${marker}`;
  expect(left.map((r) => r.message)).toEqual(["young"]);
  const [{ transactions, deletions }] = await sql`
    select count(distinct xid)::int as transactions, count(*)::int as deletions from housekeeping_probe.deletions`;
  expect(deletions).toBe(7);
  expect(transactions).toBe(3); // batches of 3, 3 and 1, each committed on its own
});
