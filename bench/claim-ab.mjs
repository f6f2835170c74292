// A paired comparison of the claim and the start gate: the tree's
// scheduler.claim_due_runs and scheduler.start_runs against those of an
// earlier revision (installed beside them as claim_due_runs_before and
// start_runs_before), on one database, one warm connection,
// calls interleaved (A B, then B A, …) after five warm-up pairs, each in a
// transaction that is rolled back.
// On a shared machine whose load moves by the minute this compares the two
// functions under the same load, which two bench runs minutes apart do not.
//
//   STACK_PORT_BASE=61000 npm start        (a dev stack with the tree migrated)
//   STACK_PORT_BASE=61000 node bench/claim-ab.mjs <revision> [repetitions]
//
// It seeds the dev database (its tasks are replaced: run npm run reset after)
// with the needle's shapes (1% of the tasks due, a long history), the
// drain's (10,000 due, claimed in batches of 1,000 to the end; and the gate
// starting a claimed batch of 1,000) and a burst of queued runs, and prints
// the medians of each.
import { execFileSync } from "node:child_process";
import postgres from "postgres";
import { getProfile, repoRoot } from "../scripts/lib/profile.mjs";
import { seedNeedle } from "./lib/needle.mjs";
import { fmt, summarize } from "./lib/stats.mjs";

const [revision = "HEAD~1", reps = "15"] = process.argv.slice(2);
const profile = getProfile("dev");
const admin = postgres(profile.adminDbUrl, { max: 1, onnotice: () => {} });
const sql = postgres(profile.dbUrl, { max: 1, onnotice: () => {} });
const rollback = new Error("rollback");

async function timed(fn, work) {
  let ms = 0;
  let n = 0;
  await sql.begin(async (tx) => {
    const started = performance.now();
    n = await work(tx, fn);
    ms = performance.now() - started;
    throw rollback;
  }).catch((err) => { if (err !== rollback) throw err; });
  return { ms, n };
}

// one claim of `limit`, or claims of `limit` until nothing is left
const once = (limit) => async (tx, fn) =>
  (await tx.unsafe(`select count(*)::int as n from scheduler.${fn}($1, '2100-01-01', interval '0', 'ab', null)`, [limit]))[0].n;
const toTheEnd = (limit) => async (tx, fn) => {
  let total = 0;
  for (;;) {
    const n = await once(limit)(tx, fn);
    if (n === 0) return total;
    total += n;
  }
};

// the gate's own time, not the claim before it
let gateMs = 0;
async function compareGate(name, work) {
  const a = [];
  const b = [];
  let n = 0;
  for (let i = 0; i < Number(reps) + 5; i++) {
    const after = async () => { await timed("claim_due_runs", work); if (i >= 5) a.push(gateMs); };
    const before = async () => { n = (await timed("claim_due_runs_before", work)).n; if (i >= 5) b.push(gateMs); };
    if (i % 2) { await before(); await after(); } else { await after(); await before(); }
  }
  const sa = summarize(a);
  const sb = summarize(b);
  console.log(`| ${name} | ${n} / ${n} | ${fmt(sb.median, 1)} (${fmt(sb.min, 1)}–${fmt(sb.max, 1)}) | ${fmt(sa.median, 1)} (${fmt(sa.min, 1)}–${fmt(sa.max, 1)}) | ${fmt(sa.median / sb.median, 2)} |`);
}

async function compare(name, work) {
  const a = [];
  const b = [];
  const n = { a: 0, b: 0 };
  // warm: past plpgsql's first five (custom) plans of every statement
  for (let i = 0; i < 5; i++) {
    await timed("claim_due_runs", work);
    await timed("claim_due_runs_before", work);
  }
  // the order alternates, so neither side always goes first
  for (let i = 0; i < Number(reps); i++) {
    const [first, second] = i % 2 ? ["claim_due_runs_before", "claim_due_runs"] : ["claim_due_runs", "claim_due_runs_before"];
    const r = { [first]: await timed(first, work), [second]: await timed(second, work) };
    a.push(r.claim_due_runs.ms); b.push(r.claim_due_runs_before.ms); n.a = r.claim_due_runs.n; n.b = r.claim_due_runs_before.n;
  }
  const sa = summarize(a);
  const sb = summarize(b);
  console.log(`| ${name} | ${n.b} / ${n.a} | ${fmt(sb.median, 1)} (${fmt(sb.min, 1)}–${fmt(sb.max, 1)}) | ${fmt(sa.median, 1)} (${fmt(sa.min, 1)}–${fmt(sa.max, 1)}) | ${fmt(sa.median / sb.median, 2)} |`);
}

try {
  const before = execFileSync("git", ["show", `${revision}:supabase/schemas/25_engine/claim_due_runs.sql`], { cwd: repoRoot, encoding: "utf8" })
    .replaceAll("scheduler.claim_due_runs(", "scheduler.claim_due_runs_before(");
  await admin.unsafe("drop function if exists scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval)");
  await admin.unsafe(before);
  await admin.unsafe("alter function scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval) owner to postgres");
  const gateBefore = execFileSync("git", ["show", `${revision}:supabase/schemas/25_engine/start_runs.sql`], { cwd: repoRoot, encoding: "utf8" })
    .replaceAll("scheduler.start_runs(", "scheduler.start_runs_before(");
  await admin.unsafe("drop function if exists scheduler.start_runs_before(uuid[], text, timestamptz)");
  await admin.unsafe(gateBefore);
  await admin.unsafe("alter function scheduler.start_runs_before(uuid[], text, timestamptz) owner to postgres");
  const [{ id: ownerId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`claim-ab-${Date.now()}@example.com`}) returning id`;
  console.log(`claim_due_runs of ${revision} (before) against the tree's (after), ${reps} interleaved pairs each, ms\n`);
  console.log("| workload | runs claimed, before / after | before, median (range) | after, median (range) | after ÷ before |");
  console.log("|---|---|---|---|---|");
  for (const [tasks, runs] of [[10_000, 0], [100_000, 1_000_000]]) {
    await seedNeedle({ dbUrl: profile.dbUrl, adminDbUrl: profile.adminDbUrl, ownerId, tasks, runs, truncate: true });
    await compare(`needle: ${fmt(tasks)} tasks, ${fmt(runs)} runs, claim of 1,000`, once(1000));
    await compare(`needle: ${fmt(tasks)} tasks, ${fmt(runs)} runs, claim of 100`, once(100));
  }
  // the drain's shape: 10,000 due at once, claimed 1,000 at a time to the end
  await admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`truncate scheduler.task_runs, scheduler.tasks cascade`;
    await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload, run_at, next_run_at, owner_id, created_by)
      select 'drain ' || g, 'scheduled', 'notify', '{"channel": "web", "title": "noop"}', '2099-12-31', '2099-12-31', ${ownerId}, ${ownerId}
      from generate_series(1, 10000) g`;
  });
  await admin`vacuum analyze scheduler.tasks`;
  await compare("drain: 10,000 due, claims of 1,000 to the end", toTheEnd(1000));
  // the gate: a claimed batch of 1,000 (claimed by the tree's claim), started
  const gate = async (tx, fn) => {
    const ids = (await tx`select run_id from scheduler.claim_due_runs(1000, '2100-01-01', interval '0', 'ab', null)`).map((r) => r.run_id);
    const started = performance.now();
    const n = (await tx.unsafe(`select count(*)::int as n from scheduler.${fn.replace("claim_due_runs", "start_runs")}($1::uuid[], 'ab', '2100-01-01') where outcome = 'started'`, [ids]))[0].n;
    gateMs = performance.now() - started;
    return n;
  };
  await compareGate("gate: a claimed batch of 1,000 started", gate);
  // queued runs: 10,000 manual runs of 1,000 tasks that allow overlap
  await admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update scheduler.tasks set next_run_at = null, overlap_policy = 'allow' where owner_id = ${ownerId}`;
    await tx`
      insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by)
      select t.id, '2099-12-31'::timestamptz + g * interval '1 millisecond', 'queued', 1, 'manual'
      from generate_series(1, 10) g, (select id from scheduler.tasks where owner_id = ${ownerId} limit 1000) t`;
  });
  await admin`vacuum analyze scheduler.task_runs`;
  await compare("queued: 10,000 runs, claims of 1,000 to the end", toTheEnd(1000));
} finally {
  await admin.unsafe("drop function if exists scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval)").catch(() => {});
  await admin.unsafe("drop function if exists scheduler.start_runs_before(uuid[], text, timestamptz)").catch(() => {});
  await sql.end();
  await admin.end();
}
