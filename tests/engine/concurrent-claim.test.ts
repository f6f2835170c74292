// Eight dispatchers claiming at once over 5,000 due tasks: every task is
// claimed exactly once, none twice, none lost. The tasks are due only in
// 2100, so the live stack's dispatcher (real clock) never sees them.
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, stack } from "../helpers/stack.ts";

const TASKS = 5_000;
const WORKERS = 8;
const DUE = "2100-01-01T00:00:00Z";
const admin = connect(undefined, 2);
let userId = "";

beforeAll(async () => {
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`claims-${Date.now()}@test.local`}) returning id`;
  await admin`
    insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, priority)
    select 'claim ' || g, 'notify', '{"channel": "web", "title": "t"}', ${DUE}::timestamptz, ${userId},
      (array['low', 'medium', 'high', 'critical'])[1 + g % 4]::scheduler.task_priority
    from generate_series(1, ${TASKS}) g`;
}, 120_000);

afterAll(async () => {
  await admin`delete from auth.users where id = ${userId}`;
  await admin.end();
});

test(`${WORKERS} concurrent claimers over ${TASKS} due tasks: no double claims, no lost tasks`, async () => {
  const workers = Array.from({ length: WORKERS }, (_, w) => (async () => {
    const sql = connect(undefined, 1);
    const claimed: string[] = [];
    try {
      for (;;) {
        const rows = await sql`
          select task_id, run_id from scheduler.claim_due_runs(100, ${DUE}::timestamptz + interval '1 second', interval '0', ${`worker-${w}`}, null)
          where task_id in (select id from scheduler.tasks where owner_id = ${userId})`;
        if (rows.length === 0) {
          // another worker may hold rows we skipped; stop only when none is left due
          const [{ left }] = await sql`select count(*)::int as left from scheduler.tasks where owner_id = ${userId} and next_run_at is not null`;
          if (left === 0) break;
          continue;
        }
        claimed.push(...rows.map((r) => r.task_id as string));
      }
    } finally {
      await sql.end();
    }
    return claimed;
  })());
  const perWorker = await Promise.all(workers);
  const all = perWorker.flat();
  expect(all).toHaveLength(TASKS);
  expect(new Set(all).size).toBe(TASKS);
  expect(perWorker.filter((c) => c.length > 0).length).toBeGreaterThan(1); // the work really was shared
  const [{ runs, tasks_with_one_run }] = await admin`
    select count(*)::int as runs, count(distinct task_id)::int as tasks_with_one_run
    from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id where t.owner_id = ${userId}`;
  expect({ runs, tasks_with_one_run }).toEqual({ runs: TASKS, tasks_with_one_run: TASKS });
}, 180_000);

test("a claim does not wait for another claim's transaction to commit", async () => {
  // one claimer's transaction stays open after its claim; another claims
  // meanwhile, with statements that give up after 2 s: it must not queue
  // behind the first (the dead-man beat, one row, once made it)
  const holder = await admin.reserve();
  const url = new URL(stack.dbUrl);
  url.searchParams.set("statement_timeout", "2000");
  const other = connect(url.toString(), 1);
  await admin`
    insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id)
    select 'pair ' || g, 'notify', '{"channel": "web", "title": "t"}', ${DUE}::timestamptz, ${userId} from generate_series(1, 2) g`;
  try {
    await holder`begin`;
    const first = await holder`
      select task_id from scheduler.claim_due_runs(1, ${DUE}::timestamptz + interval '1 second', interval '0', 'holder', null)
      where task_id in (select id from scheduler.tasks where owner_id = ${userId})`;
    const second = await other`
      select task_id from scheduler.claim_due_runs(10, ${DUE}::timestamptz + interval '1 second', interval '0', 'other', null)
      where task_id in (select id from scheduler.tasks where owner_id = ${userId})`;
    // between them, each of the two tasks once (the first claim of one may
    // have been another file's task due before 2100, if one was left)
    const both = [...first, ...second].map((r) => r.task_id);
    expect(both).toHaveLength(2);
    expect(new Set(both).size).toBe(2);
  } finally {
    await holder`rollback`.catch(() => {});
    holder.release();
    await other.end();
  }
});
