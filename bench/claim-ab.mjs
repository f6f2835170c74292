// A paired comparison of the claim and the start gate: the tree's
// scheduler.claim_due_runs and scheduler.start_runs against those of an
// earlier revision, on one cluster and one warm connection per side, calls
// interleaved (A B, then B A, …) after five warm-up pairs, each in a
// transaction that is rolled back. On a shared machine whose load moves by
// the minute this compares the two under the same load, which two bench runs
// minutes apart do not.
//
//   STACK_PORT_BASE=61000 npm start        (a dev stack with the tree migrated)
//   STACK_PORT_BASE=61000 node bench/claim-ab.mjs <revision> [repetitions] [--schema]
//
// Without --schema the revision's two functions are installed beside the
// tree's (as claim_due_runs_before and start_runs_before) in the dev
// database: the functions alone are compared, over the tree's tables,
// indexes and triggers. With --schema the revision's whole schema is built
// from its migrations in a second database of the same cluster
// (claim_ab_before, dropped at the end), and each side's claim runs over its
// own tables, indexes and triggers: what a release changes, all of it.
// (pg_cron lives in one database of a cluster; there the revision's cron
// jobs are not scheduled, which the claim never reads.)
//
// It seeds the dev database (its tasks are replaced: run npm run reset after)
// with the needle's shapes (1% of the tasks due, a long history), the
// drain's (10,000 due, claimed in batches of 1,000 to the end; and the gate
// starting a claimed batch of 1,000) and a burst of queued runs, and prints
// the medians of each.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { psql } from "../scripts/lib/cluster.mjs";
import { getProfile, repoRoot } from "../scripts/lib/profile.mjs";
import { seedNeedle } from "./lib/needle.mjs";
import { fmt, summarize } from "./lib/stats.mjs";

const args = process.argv.slice(2);
const wholeSchema = args.includes("--schema");
const [revision = "HEAD~1", reps = "15"] = args.filter((a) => a !== "--schema");
const profile = getProfile("dev");
const beforeDb = "claim_ab_before";
const bootstrapDir = path.join(repoRoot, "scripts/sql/bootstrap");
const inDb = (url, db) => url.replace(/\/[^/?]+(\?|$)/, `/${db}$1`);
const git = (...a) => execFileSync("git", a, { cwd: repoRoot, encoding: "utf8", maxBuffer: 1 << 28 });
const rollback = new Error("rollback");

// the revision's migrations into a fresh database of the dev cluster; pg_cron
// is a stand-in schema there (cron.schedule records nothing)
function buildBefore() {
  psql(profile, { sql: `drop database if exists ${beforeDb} with (force)` });
  psql(profile, { sql: `create database ${beforeDb}` });
  psql(profile, { sql: `grant all on database ${beforeDb} to postgres` });
  const standInCron = `
    create schema if not exists cron;
    create table if not exists cron.job (jobid bigserial primary key, jobname text, schedule text, command text,
      username text default current_user, database text, active boolean default true);
    create table if not exists cron.job_run_details (runid bigserial primary key, jobid bigint, status text,
      start_time timestamptz, end_time timestamptz, return_message text);
    create or replace function cron.schedule(text, text, text) returns bigint language sql security definer
      as $$ insert into cron.job (jobname, schedule, command) values ($1, $2, $3) returning jobid $$;
    create or replace function cron.unschedule(text) returns boolean language sql security definer
      as $$ delete from cron.job where jobname = $1 returning true $$;
  `;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "claim-ab-"));
  try {
    // the platform bootstrap of scripts/lib/database.mjs, pg_cron a stand-in
    for (const f of fs.readdirSync(bootstrapDir).filter((x) => x.endsWith(".sql")).sort()) {
      const text = fs.readFileSync(path.join(bootstrapDir, f), "utf8").replace(/create extension if not exists pg_cron[^;]*;/g, () => standInCron);
      fs.writeFileSync(path.join(tmp, f), text);
      psql(profile, { db: beforeDb, file: path.join(tmp, f) });
    }
    psql(profile, {
      db: beforeDb,
      sql: "create extension if not exists pg_net with schema extensions; create schema if not exists vault; create extension if not exists supabase_vault with schema vault",
    });
    const files = git("ls-tree", "--name-only", revision, "supabase/migrations/").split("\n").filter((f) => f.endsWith(".sql")).sort();
    for (const f of files) {
      const file = path.join(tmp, path.basename(f));
      fs.writeFileSync(file, git("show", `${revision}:${f}`).replace(/create extension if not exists pg_cron[^;]*;/g, ""));
      psql(profile, { db: beforeDb, user: "postgres", file });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// the claim's due rows (scheduler_internal.due_tasks, where the schema has
// them), which the triggers skipped by session_replication_role would write
async function syncDueRows(tx) {
  const [{ has }] = await tx`select to_regclass('scheduler_internal.due_tasks') is not null as has`;
  if (!has) return;
  await tx`delete from scheduler_internal.due_tasks`;
  await tx`insert into scheduler_internal.due_tasks (task_id, next_run_at, owner_id, priority)
    select id, next_run_at, owner_id, priority from scheduler.tasks
    where is_active and deleted_at is null and next_run_at is not null`;
}

async function main() {
  const after = {
    admin: postgres(profile.adminDbUrl, { max: 1, onnotice: () => {} }),
    sql: postgres(profile.dbUrl, { max: 1, onnotice: () => {} }),
    claim: "claim_due_runs", gate: "start_runs", dbUrl: profile.dbUrl, adminDbUrl: profile.adminDbUrl,
  };
  let before;
  const cleanup = [];
  if (wholeSchema) {
    buildBefore();
    const dbUrl = inDb(profile.dbUrl, beforeDb);
    const adminDbUrl = inDb(profile.adminDbUrl, beforeDb);
    before = {
      admin: postgres(adminDbUrl, { max: 1, onnotice: () => {} }),
      sql: postgres(dbUrl, { max: 1, onnotice: () => {} }),
      claim: "claim_due_runs", gate: "start_runs", dbUrl, adminDbUrl,
    };
    cleanup.push(() => psql(profile, { sql: `drop database if exists ${beforeDb} with (force)`, allowFail: true }));
  } else {
    before = { ...after, claim: "claim_due_runs_before", gate: "start_runs_before" };
    const claimBefore = git("show", `${revision}:supabase/schemas/25_engine/claim_due_runs.sql`)
      .replaceAll("scheduler.claim_due_runs(", "scheduler.claim_due_runs_before(");
    await after.admin.unsafe("drop function if exists scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval)");
    await after.admin.unsafe(claimBefore);
    await after.admin.unsafe("alter function scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval) owner to postgres");
    const gateBefore = git("show", `${revision}:supabase/schemas/25_engine/start_runs.sql`)
      .replaceAll("scheduler.start_runs(", "scheduler.start_runs_before(");
    await after.admin.unsafe("drop function if exists scheduler.start_runs_before(uuid[], text, timestamptz)");
    await after.admin.unsafe(gateBefore);
    await after.admin.unsafe("alter function scheduler.start_runs_before(uuid[], text, timestamptz) owner to postgres");
    cleanup.push(async () => {
      await after.admin.unsafe("drop function if exists scheduler.claim_due_runs_before(integer, timestamptz, interval, text, interval)").catch(() => {});
      await after.admin.unsafe("drop function if exists scheduler.start_runs_before(uuid[], text, timestamptz)").catch(() => {});
    });
  }
  const sides = wholeSchema ? [after, before] : [after];

  async function timed(side, work) {
    let ms = 0;
    let n = 0;
    await side.sql.begin(async (tx) => {
      const started = performance.now();
      n = await work(tx, side);
      ms = performance.now() - started;
      throw rollback;
    }).catch((err) => { if (err !== rollback) throw err; });
    return { ms, n };
  }

  // one claim of `limit`, or claims of `limit` until nothing is left
  const once = (limit) => async (tx, side) =>
    (await tx.unsafe(`select count(*)::int as n from scheduler.${side.claim}($1, '2100-01-01', interval '0', 'ab', null)`, [limit]))[0].n;
  const toTheEnd = (limit) => async (tx, side) => {
    let total = 0;
    for (;;) {
      const n = await once(limit)(tx, side);
      if (n === 0) return total;
      total += n;
    }
  };
  const row = (name, n, a, b) => {
    const sa = summarize(a);
    const sb = summarize(b);
    console.log(`| ${name} | ${n.b} / ${n.a} | ${fmt(sb.median, 1)} (${fmt(sb.min, 1)}–${fmt(sb.max, 1)}) | ${fmt(sa.median, 1)} (${fmt(sa.min, 1)}–${fmt(sa.max, 1)}) | ${fmt(sa.median / sb.median, 2)} |`);
  };

  // `measure` returns what to time from one call: the call's own time, or the gate's
  async function compare(name, work, measure = (r) => r.ms) {
    const a = [];
    const b = [];
    const n = { a: 0, b: 0 };
    // warm: past plpgsql's first five (custom) plans of every statement
    for (let i = 0; i < 5; i++) {
      await timed(after, work);
      await timed(before, work);
    }
    // the order alternates, so neither side always goes first
    for (let i = 0; i < Number(reps); i++) {
      const order = i % 2 ? [before, after] : [after, before];
      for (const side of order) {
        const r = await timed(side, work);
        if (side === after) { a.push(measure(r)); n.a = r.n; } else { b.push(measure(r)); n.b = r.n; }
      }
    }
    row(name, n, a, b);
  }

  try {
    const ownerId = crypto.randomUUID();
    for (const side of sides) {
      await side.admin`insert into auth.users (id, email) values (${ownerId}, ${`claim-ab-${Date.now()}@example.com`})`;
    }
    console.log(`claim_due_runs and start_runs of ${revision} (before) against the tree's (after), ${wholeSchema ? "each over its own schema (its migrations, in a second database of the cluster)" : "the functions alone, over the tree's schema"}, ${reps} interleaved pairs each after 5 warm-up pairs, ms\n`);
    console.log("| workload | runs claimed, before / after | before, median (range) | after, median (range) | after ÷ before |");
    console.log("|---|---|---|---|---|");
    for (const [tasks, runs] of [[10_000, 0], [100_000, 1_000_000]]) {
      for (const side of sides) await seedNeedle({ dbUrl: side.dbUrl, adminDbUrl: side.adminDbUrl, ownerId, tasks, runs, truncate: true });
      await compare(`needle: ${fmt(tasks)} tasks, ${fmt(runs)} runs, claim of 1,000`, once(1000));
      await compare(`needle: ${fmt(tasks)} tasks, ${fmt(runs)} runs, claim of 100`, once(100));
    }
    // the drain's shape: 10,000 due at once, claimed 1,000 at a time to the end
    for (const side of sides) {
      await side.admin.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`truncate scheduler.task_runs, scheduler.tasks cascade`;
        await tx`
          insert into scheduler.tasks (name, type, action_type, action_payload, run_at, next_run_at, owner_id, created_by)
          select 'drain ' || g, 'scheduled', 'notify', '{"channel": "web", "title": "noop"}', '2099-12-31', '2099-12-31', ${ownerId}, ${ownerId}
          from generate_series(1, 10000) g`;
        await syncDueRows(tx);
      });
      await side.admin`vacuum analyze scheduler.tasks`;
    }
    await compare("drain: 10,000 due, claims of 1,000 to the end", toTheEnd(1000));
    // the gate: a claimed batch of 1,000 (claimed by the side's claim), started; its own time
    const gate = async (tx, side) => {
      const ids = (await tx.unsafe(`select run_id from scheduler.${side.claim}(1000, '2100-01-01', interval '0', 'ab', null)`)).map((r) => r.run_id);
      const started = performance.now();
      const n = (await tx.unsafe(`select count(*)::int as n from scheduler.${side.gate}($1::uuid[], 'ab', '2100-01-01') where outcome = 'started'`, [ids]))[0].n;
      side.gateMs = performance.now() - started;
      return n;
    };
    let lastSide;
    await compare("gate: a claimed batch of 1,000 started", async (tx, side) => { lastSide = side; return gate(tx, side); }, () => lastSide.gateMs);
    // queued runs: 10,000 manual runs of 1,000 tasks that allow overlap
    for (const side of sides) {
      await side.admin.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`update scheduler.tasks set next_run_at = null, overlap_policy = 'allow' where owner_id = ${ownerId}`;
        await syncDueRows(tx);
        await tx`
          insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by)
          select t.id, '2099-12-31'::timestamptz + g * interval '1 millisecond', 'queued', 1, 'manual'
          from generate_series(1, 10) g, (select id from scheduler.tasks where owner_id = ${ownerId} limit 1000) t`;
      });
      await side.admin`vacuum analyze scheduler.task_runs`;
    }
    await compare("queued: 10,000 runs, claims of 1,000 to the end", toTheEnd(1000));
  } finally {
    for (const side of new Set([after, before])) {
      await side.sql.end().catch(() => {});
    }
    for (const step of cleanup) await step();
    for (const side of new Set([after, before])) await side.admin.end().catch(() => {});
  }
}

await main();
