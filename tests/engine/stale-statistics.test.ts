// The claim and the completion keep plans the size of their batch when the
// statistics say tasks and task_runs are empty, as they do after a table is
// emptied and vacuumed and then refilled before autovacuum analyzes it again
// (the fan-out benchmark hit this: claims of 500 took 4-6 s). The state is
// made by hand, as the superuser, inside a transaction that is rolled back:
// pg_class says 0 rows on the pages the tables have, then a burst of due
// tasks and queued runs (beside the runs' history) is claimed and completed
// with auto_explain reporting every plan.
import postgres from "postgres";
import { expect, test } from "vitest";
import { rolledBack, stack } from "../helpers/stack.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Join Filter"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
  /** On a plan's top node: the statement it is the plan of (a failure names it). */
  "Query Text"?: string;
}

function* nodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodes(child);
}

/** Runs the burst with statistics that say the tables are empty and returns every plan auto_explain saw. */
async function plansOfBurst(tasks: number, batch: number, history: number): Promise<PlanNode[]> {
  const plans: PlanNode[] = [];
  const session = postgres(stack.adminDbUrl, {
    max: 1,
    onnotice: (notice) => {
      const json = notice.message.indexOf("{");
      if (/plan:/.test(notice.message) && json >= 0) {
        const explained = JSON.parse(notice.message.slice(json));
        plans.push({ ...explained.Plan, "Query Text": explained["Query Text"] });
      }
    },
  });
  try {
    await rolledBack(session, async (tx) => {
      const [{ id: owner }] = await tx`insert into auth.users (id, email) values (gen_random_uuid(), ${`stale-${Date.now()}@test.local`}) returning id`;
      await tx`
        insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id)
        select 'burst ' || g, 'http', '{"url": "https://example.com/hook", "method": "POST"}', '2099-12-31', ${owner}
        from generate_series(1, ${tasks}::int) g`;
      // and a batch of queued runs (retries, manual runs) of tasks that are not due
      await tx`
        with idle as (
          insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id)
          select 'idle ' || g, 'http', '{"url": "https://example.com/hook", "method": "POST"}', '2101-01-01', ${owner}
          from generate_series(1, ${batch}::int) g
          returning id
        )
        insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by)
        select id, '2099-12-31', 'queued', 'manual' from idle`;
      // and the history a refilled table holds: without it task_runs is a
      // few pages, where a scan per loop is what the planner should choose
      await tx`
        insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, start_time, end_time)
        select t.id, s.at, 'completed', 'schedule', s.at, s.at + interval '1 second'
        from scheduler.tasks t
        cross join lateral (select '2099-12-30'::timestamptz - g * interval '1 minute' as at from generate_series(1, ${history}::int) g) s
        where t.owner_id = ${owner} and t.name like 'idle %'`;
      await tx`
        update pg_catalog.pg_class set reltuples = 0, relpages = greatest(relpages, 1)
        where oid in ('scheduler.tasks'::regclass, 'scheduler.task_runs'::regclass, 'scheduler_internal.due_tasks'::regclass)`;
      await tx`load 'auto_explain'`;
      await tx`set local auto_explain.log_min_duration = 0`;
      await tx`set local auto_explain.log_nested_statements = on`;
      await tx`set local auto_explain.log_analyze = on`;
      await tx`set local auto_explain.log_timing = off`;
      await tx`set local auto_explain.log_format = json`;
      await tx`set local client_min_messages = log`;
      const claimed = await tx`select run_id from scheduler.claim_due_runs(${batch}::int, '2100-01-01'::timestamptz, interval '0', 'stale-statistics', null)`;
      // a batch of new runs and a batch of queued ones
      expect(claimed).toHaveLength(2 * batch);
      const started = await tx`select outcome from scheduler.start_runs(${claimed.map((r) => r.run_id)}::uuid[], 'stale-statistics', '2100-01-01'::timestamptz)`;
      expect(started.every((r) => r.outcome === "started")).toBe(true);
      const results = claimed.map((r) => ({ run_id: r.run_id, status: "completed" }));
      const completed = await tx`select outcome from scheduler.complete_runs(${JSON.stringify(results)}::text::jsonb, '2100-01-01 00:00:05'::timestamptz, 'stale-statistics')`;
      expect(completed.every((r) => r.outcome === "completed")).toBe(true);
    });
  } finally {
    await session.end();
  }
  return plans;
}

/** What a burst's plans must not hold: a repeated scan of a big table, or a join of the claimed runs with more than themselves. */
function expectBatchSized(plans: PlanNode[], batch: number) {
  expect(plans.length).toBeGreaterThan(2);
  const all = plans.flatMap((p) => [...nodes(p)].map((n) => ({ ...n, statement: (p["Query Text"] ?? "").replace(/\s+/g, " ").slice(0, 200) })));
  // every repeated scan of a big table is a probe: at most one row per loop,
  // none read and thrown away (a scan of the whole table per loop returns
  // one row too, and reads every other)
  const big = new Set(["tasks", "task_runs", "due_tasks"]);
  const rescans = all.filter((n) => big.has(n["Relation Name"]) && (n["Actual Loops"] ?? 0) > 1
    && ((n["Actual Rows"] ?? 0) > 1 || n["Node Type"] === "Seq Scan" || (n["Rows Removed by Filter"] ?? 0) > n["Actual Loops"]));
  expect(rescans.map((n) => `${n["Node Type"]} on ${n["Relation Name"]}: ${n["Actual Rows"]} rows × ${n["Actual Loops"]} loops, ${n["Rows Removed by Filter"] ?? 0} removed by its filter, in: ${n.statement}`)).toEqual([]);
  // and no join compares the claimed runs with more than themselves (the
  // failure compared them with the whole table: 4,000 tasks × the batch)
  const claimed = 2 * batch;
  const wideJoins = all.filter((n) => (n["Rows Removed by Join Filter"] ?? 0) > claimed * claimed);
  expect(wideJoins.map((n) => `${n["Node Type"]}: ${n["Rows Removed by Join Filter"]} rows removed by its join filter, in: ${n.statement}`)).toEqual([]);
}

test("a burst of due tasks and queued runs on statistics that say the tables are empty is claimed, started and completed with batch-sized plans", async () => {
  // 4,000 due tasks, and 40 finished runs of history for each task with a queued run
  expectBatchSized(await plansOfBurst(4_000, 100, 40), 100);
}, 60_000);
