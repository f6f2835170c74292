// Every query that reads scheduler.task_runs by something other than its
// task or its id, explained on a large table (issue 17: which task_runs
// indexes a query needs): the needle's seed (100,000 tasks, 1,000,000
// finished runs) on the dev stack, each plan's scans and its time, and the
// claim of 1,000 beside them. Run it before and after an index change.
//
//   STACK_PORT_BASE=59000 npm start
//   STACK_PORT_BASE=59000 node bench/run-queries.mjs [label]
//
// The dev database's tasks and runs are replaced (npm run reset after).
import postgres from "postgres";
import { getProfile } from "../scripts/lib/profile.mjs";
import { measureClaim, seedNeedle } from "./lib/needle.mjs";
import { fmt, summarize } from "./lib/stats.mjs";

const [label = ""] = process.argv.slice(2);
const profile = getProfile("dev");
const admin = postgres(profile.adminDbUrl, { max: 1, onnotice: () => {} });
const [{ id: ownerId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`run-queries-${Date.now()}@example.com`}) returning id`;
try {
  await seedNeedle({ dbUrl: profile.dbUrl, adminDbUrl: profile.adminDbUrl, ownerId, tasks: 100_000, runs: 1_000_000, truncate: true });
  const [{ task }] = await admin`select task_id as task from scheduler.task_runs limit 1`;
  // prune_batch's two walks of the run history (27_housekeeping/prune_batch.sql), the
  // views and the README's "latest runs", as written there
  const queries = {
    "prune: skipped runs": `select r.id, r.created_at from scheduler.task_runs r
      where r.status = 'skipped' and r.created_at < now() + interval '1 day' and r.created_at >= '-infinity'
      order by r.created_at limit 1000`,
    "prune: finished runs": `select r.id, r.created_at from scheduler.task_runs r
      where r.status in ('completed', 'failed', 'cancelled') and r.created_at < now() + interval '1 day' and r.created_at >= '-infinity'
        and (r.status = 'cancelled' or exists (
          select 1 from scheduler.task_runs n
          where n.task_id = r.task_id and n.status in ('completed', 'failed')
            and (n.scheduled_time, n.attempt) > (r.scheduled_time, r.attempt)))
      order by r.created_at limit 1000`,
    "README: the latest runs": `select t.name, r.status, r.attempt, r.triggered_by, r.scheduled_time, r.start_time, r.duration_ms, r.error_message
      from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id order by r.id desc limit 20`,
    "task_summary, one task": `select * from scheduler.task_summary where id = '${task}'`,
    "active_tasks": `select * from scheduler.active_tasks`,
    "open runs of a task (claim, gate)": `select 1 from scheduler.task_runs o where o.task_id = '${task}' and o.status in ('claimed', 'running')`,
    "leases to reap": `select c.id from scheduler.task_runs c where c.status = 'claimed' and c.lease_expires_at < now() order by c.lease_expires_at limit 1000`,
    "history of a task": `select * from scheduler.task_runs where task_id = '${task}' order by scheduled_time desc limit 50`,
  };
  console.log(`${label ? `${label}: ` : ""}100,000 tasks, 1,000,000 runs\n`);
  console.log("| query | scans | ms, median of 5 |");
  console.log("|---|---|---|");
  for (const [name, q] of Object.entries(queries)) {
    const times = [];
    let scans = "";
    for (let i = 0; i < 6; i++) {
      const [{ "QUERY PLAN": plan }] = await admin.unsafe(`explain (analyze, format json) ${q}`);
      const found = [];
      const walk = (n) => {
        if (/Scan/.test(n["Node Type"]) && n["Relation Name"]) found.push(`${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""} on ${n["Relation Name"]}`);
        for (const c of n.Plans ?? []) walk(c);
      };
      walk(plan[0].Plan);
      scans = [...new Set(found)].join("; ");
      if (i > 0) times.push(plan[0]["Execution Time"]);
    }
    console.log(`| ${name} | ${scans} | ${fmt(summarize(times).median, 2)} |`);
  }
  const claim = await measureClaim({ dbUrl: profile.dbUrl, limit: 1000, repetitions: 5 });
  console.log(`| claim_due_runs(1000): the needle's claim (${claim.claimed} due) | | ${fmt(summarize(claim.warm).median, 2)} |`);
} finally {
  await admin`delete from auth.users where id = ${ownerId}`.catch(() => {});
  await admin.end();
}
