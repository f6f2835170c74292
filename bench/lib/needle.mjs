// Workload 3, needle: how long claiming a batch of 1,000 takes when the due
// 1% sits among many tasks and a long run history, and whether the hot path
// uses index scans. Each claim runs in a transaction that is rolled back, so
// every repetition sees the same state.
import postgres from "postgres";

// Seeded as the superuser with triggers off (session_replication_role =
// replica): a million tasks through the validation, schedule and audit
// triggers would take a quarter of an hour, and the claim does not read what
// they write. next_run_at, which a trigger would compute, is set directly,
// and so are the claim's due rows (scheduler_internal.due_tasks), which a
// trigger would write.
export async function seedNeedle({ dbUrl, adminDbUrl, ownerId, tasks, runs, truncate = false }) {
  const sql = postgres(adminDbUrl ?? dbUrl, { max: 1, onnotice: () => {} });
  try {
    // truncate (the bench's own database only): deleting the previous size's
    // million runs one by one through their foreign keys takes minutes
    // (events, which the cascade reaches, refuse truncate by trigger: the
    // superuser's replica role skips triggers, as for the seed below)
    if (truncate) {
      await sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`truncate scheduler.task_runs, scheduler.tasks cascade`;
      });
    }
    else await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    const due = Math.max(1, Math.floor(tasks / 100));
    await sql.begin(async (tx) => {
      if (adminDbUrl) await tx`set local session_replication_role = replica`;
      for (let done = 0; done < tasks; done += 100_000) {
        await tx`
          insert into scheduler.tasks (name, type, action_type, action_payload, run_at, next_run_at, owner_id, created_by)
          select 'needle ' || g, 'scheduled', 'notify', '{"channel": "web", "title": "noop"}', d.at, d.at, ${ownerId}, ${ownerId}
          from generate_series(${done + 1}::int, ${Math.min(tasks, done + 100_000)}::int) g,
            lateral (select case when g <= ${due}::int then '2099-12-31'::timestamptz else '2101-01-01'::timestamptz end as at) d`;
      }
      // (a schema from before the due rows has none to write)
      const [{ hasDueRows }] = await tx`select to_regclass('scheduler_internal.due_tasks') is not null as "hasDueRows"`;
      if (adminDbUrl && hasDueRows) {
        await tx`
          insert into scheduler_internal.due_tasks (task_id, next_run_at, owner_id, priority)
          select id, next_run_at, owner_id, priority from scheduler.tasks
          where owner_id = ${ownerId} and is_active and deleted_at is null and next_run_at is not null`;
      }
      for (let done = 0; done < runs; done += 1_000_000) {
        await tx`
          insert into scheduler.task_runs (task_id, scheduled_time, start_time, end_time, status, attempt, triggered_by)
          select t.id, '2001-01-01'::timestamptz + g * interval '1 second',
            '2001-01-01'::timestamptz + g * interval '1 second', '2001-01-01'::timestamptz + g * interval '1 second' + interval '1 second',
            'completed', 1, 'schedule'
          from generate_series(${done + 1}::int, ${Math.min(runs, done + 1_000_000)}::int) g
          join (select id, (row_number() over ()) - 1 as k from scheduler.tasks where owner_id = ${ownerId} limit 10000) t
            on t.k = g % least(10000, ${tasks}::int)`;
      }
    });
    await sql`vacuum analyze scheduler.tasks`;
    if ((await sql`select to_regclass('scheduler_internal.due_tasks') is not null as has`)[0].has) await sql`vacuum analyze scheduler_internal.due_tasks`;
    await sql`vacuum analyze scheduler.task_runs`;
    return { due };
  } finally {
    await sql.end();
  }
}

const rollback = new Error("rollback");

/** Runs `work` in a transaction that is always rolled back, so every call sees the same state. */
async function rolledBack(sql, work) {
  await sql.begin(async (tx) => {
    await work(tx);
    throw rollback;
  }).catch((err) => {
    if (err !== rollback) throw err;
  });
}

/** One claim of `limit` at the pinned instant. */
async function claimOnce(sql, limit) {
  let ms = 0;
  let claimed = 0;
  await rolledBack(sql, async (tx) => {
    const started = performance.now();
    // pinned in 2100, like the drain, so the live dispatcher cannot take the due tasks first
    const rows = await tx`select run_id from scheduler.claim_due_runs(${limit}::int, '2100-01-01'::timestamptz, interval '0', 'needle', null)`;
    ms = performance.now() - started;
    claimed = rows.length;
  });
  return { ms, claimed };
}

/**
 * Claim latency on one warm connection, as a pooled dispatcher connection
 * sees it: the first call of a session also plans the claim's statements
 * (about 40 ms here), so it is reported apart and not counted.
 */
export async function measureClaim({ dbUrl, limit = 1000, repetitions = 5 }) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const cold = await claimOnce(sql, limit);
    const warm = [];
    for (let i = 0; i < repetitions; i++) warm.push(await claimOnce(sql, limit));
    return { coldMs: cold.ms, warm: warm.map((w) => w.ms), claimed: cold.claimed };
  } finally {
    await sql.end();
  }
}

/**
 * The plans the claim itself runs with, every nested statement included, from
 * auto_explain in a rolled-back claim (superuser connection); a sequential
 * scan of tasks or task_runs in any of them is a finding.
 */
export async function hotPathPlans({ adminDbUrl, limit = 1000 }) {
  const plans = [];
  const sql = postgres(adminDbUrl, { max: 1, onnotice: (n) => { if (/plan:/.test(n.message)) plans.push(n.message); } });
  try {
    await rolledBack(sql, async (tx) => {
      await tx`load 'auto_explain'`;
      await tx`set local auto_explain.log_min_duration = 0`;
      await tx`set local auto_explain.log_nested_statements = on`;
      await tx`set local client_min_messages = log`;
      await tx`select count(*) from scheduler.claim_due_runs(${limit}::int, '2100-01-01'::timestamptz, interval '0', 'needle', null)`;
    });
    const hot = plans.filter((p) => !/^duration: [\d.]+ ms\s+plan:\s+Query Text: select count\(\*\) from public\.claim_due_runs/.test(p));
    return { plans: hot, seqScans: hot.filter((p) => /Seq Scan on (tasks|task_runs)\b/.test(p)) };
  } finally {
    await sql.end();
  }
}
