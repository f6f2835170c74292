// Workload 3, needle: how long claiming a batch of 1,000 takes when the due
// 1% sits among many tasks and a long run history, and whether the hot path
// uses index scans. Each claim runs in a transaction that is rolled back, so
// every repetition sees the same state.
import postgres from "postgres";

// Seeded as the superuser with triggers off (session_replication_role =
// replica): a million tasks through the validation, schedule and audit
// triggers would take a quarter of an hour, and the claim does not read what
// they write. next_run_at, which a trigger would compute, is set directly.
export async function seedNeedle({ dbUrl, adminDbUrl, ownerId, tasks, runs }) {
  const sql = postgres(adminDbUrl ?? dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`delete from public.tasks where owner_id = ${ownerId}`;
    const due = Math.max(1, Math.floor(tasks / 100));
    await sql.begin(async (tx) => {
      if (adminDbUrl) await tx`set local session_replication_role = replica`;
      for (let done = 0; done < tasks; done += 100_000) {
        await tx`
          insert into public.tasks (name, type, action_type, action_payload, run_at, next_run_at, owner_id, created_by)
          select 'needle ' || g, 'scheduled', 'notify', '{"channel": "web", "title": "noop"}', d.at, d.at, ${ownerId}, ${ownerId}
          from generate_series(${done + 1}::int, ${Math.min(tasks, done + 100_000)}::int) g,
            lateral (select case when g <= ${due}::int then '2099-12-31'::timestamptz else '2101-01-01'::timestamptz end as at) d`;
      }
      for (let done = 0; done < runs; done += 1_000_000) {
        await tx`
          insert into public.task_runs (task_id, scheduled_time, start_time, end_time, status, attempt, triggered_by)
          select t.id, '2001-01-01'::timestamptz + g * interval '1 second',
            '2001-01-01'::timestamptz + g * interval '1 second', '2001-01-01'::timestamptz + g * interval '1 second' + interval '1 second',
            'completed', 1, 'schedule'
          from generate_series(${done + 1}::int, ${Math.min(runs, done + 1_000_000)}::int) g
          join (select id, (row_number() over ()) - 1 as k from public.tasks where owner_id = ${ownerId} limit 10000) t
            on t.k = g % least(10000, ${tasks}::int)`;
      }
    });
    await sql`vacuum analyze public.tasks`;
    await sql`vacuum analyze public.task_runs`;
    return { due };
  } finally {
    await sql.end();
  }
}

export async function measureClaim({ dbUrl, limit = 1000 }) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const rollback = new Error("rollback");
  let ms = 0;
  let claimed = 0;
  try {
    await sql.begin(async (tx) => {
      const started = performance.now();
      // pinned in 2100, like the drain, so the live dispatcher cannot take the due tasks first
      const rows = await tx`select run_id from public.claim_due_runs(${limit}, '2100-01-01'::timestamptz, interval '0', 'needle', null)`;
      ms = performance.now() - started;
      claimed = rows.length;
      throw rollback;
    }).catch((err) => {
      if (err !== rollback) throw err;
    });
    return { ms, claimed };
  } finally {
    await sql.end();
  }
}

/** The plans of the claim's two hot queries; a sequential scan on either is a finding. */
export async function hotPathPlans({ dbUrl }) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const plan = async (query) => (await sql.unsafe(`explain ${query}`)).map((r) => r["QUERY PLAN"]).join("\n");
    const due = await plan(`select t.id from public.tasks t
      where t.is_active and t.deleted_at is null and t.next_run_at <= '2100-01-01'
      order by t.priority desc, t.next_run_at limit 1000 for update of t skip locked`);
    const queued = await plan(`select r.id from public.task_runs r join public.tasks t on t.id = r.task_id
      where r.status = 'queued' and r.scheduled_time <= '2100-01-01' and t.deleted_at is null
      order by t.priority desc, r.scheduled_time limit 1000 for update of r skip locked`);
    const [{ id }] = await sql`select id from public.tasks limit 1`;
    const latest = await plan(`select r.status from public.task_runs r
      where r.task_id = '${id}' and r.status in ('completed', 'failed')
      order by r.scheduled_time desc, r.attempt desc limit 1`);
    return { due, queued, latest, seqScan: [due, queued, latest].some((p) => /Seq Scan on (tasks|task_runs)/.test(p)) };
  } finally {
    await sql.end();
  }
}
