// Workload 1, drain: N due no-op jobs claimed, executed as no-ops and
// recorded as completed, by us (set-based claim_due_runs + start_runs + complete_runs),
// graphile-worker and pg-boss. Each returns its wall time and checks that
// every job ran exactly once.
import postgres from "postgres";
import { graphilePool } from "./graphile-pool.mjs";

/** Ours: `workers` connections each claim a batch, "execute" it, complete it in one call. */
export async function drainOurs({ dbUrl, ownerId, n, workers = 4, batch = 500, meter = null }) {
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    await sql`
      insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id)
      select 'drain ' || g, 'notify', '{"channel": "web", "title": "noop"}', '2099-12-31'::timestamptz, ${ownerId}
      from generate_series(1, ${n}) g`;
    await sql`vacuum analyze scheduler.tasks`;
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const conn = postgres(dbUrl, { max: 1, onnotice: () => {} });
      try {
        for (;;) {
          // the clock is pinned in 2100: the bench stack's own dispatcher (real clock) never sees these tasks
          const rows = await conn`select run_id from scheduler.claim_due_runs(${batch}, '2100-01-01'::timestamptz, interval '0', ${`drain-${w}`}, null)`;
          if (rows.length === 0) break;
          // the start gate, as an action function passes every run through it
          const started = await conn`select run_id from scheduler.start_runs(${rows.map((r) => r.run_id)}::uuid[], ${`drain-${w}`}, '2100-01-01'::timestamptz) where outcome = 'started'`;
          const results = started.map((r) => ({ run_id: r.run_id, status: "completed", retryable: false }));
          await conn`select count(*) from scheduler.complete_runs(${JSON.stringify(results)}::text::jsonb, '2100-01-01'::timestamptz, ${`drain-${w}`})`;
        }
      } finally {
        await conn.end();
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    const [check] = await sql`
      select count(*)::int as runs, count(distinct r.task_id)::int as tasks, count(*) filter (where r.status = 'completed')::int as completed
      from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id where t.owner_id = ${ownerId}`;
    if (check.runs !== n || check.tasks !== n || check.completed !== n) {
      throw new Error(`ours: expected ${n} runs, each task once and completed; got ${JSON.stringify(check)}`);
    }
    return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
  } finally {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
  }
}

/** graphile-worker with a no-op task, in its own database; `batching` turns on its local queue and batched completion. */
export async function drainGraphile({ dbUrl, n, concurrency = 16, batching, meter = null }) {
  const { Logger, makeWorkerUtils, run } = await import("graphile-worker");
  // its default logger prints a line per job, which would be measured too
  const logger = new Logger(() => () => {});
  const pool = await graphilePool(dbUrl, concurrency + 4);
  const utils = await makeWorkerUtils({ pgPool: pool.pgPool, logger });
  await utils.migrate();
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  let done = 0;
  try {
    await sql`
      select count(*) from graphile_worker.add_jobs(array(
        select row('noop', json_build_object('i', g), null, null, null, null, null, null)::graphile_worker.job_spec
        from generate_series(1, ${n}) g))`;
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    const finished = new Promise((resolve) => {
      const runner = run({
        pgPool: pool.pgPool,
        concurrency,
        logger,
        noHandleSignals: true,
        pollInterval: 50,
        taskList: { noop: async () => { if (++done === n) resolve(runner); } },
        ...(batching ? { preset: { worker: { localQueue: { size: 200 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } } : {}),
      });
    });
    const runner = await (await finished);
    // wait until the completions are written, not just handed over
    for (;;) {
      const [{ left }] = await sql`select /* bench harness */ count(*)::int as left from graphile_worker._private_jobs`;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    // its sessions end before the meter reads the tables' counters
    await utils.release();
    await pool.end();
    if (done !== n) throw new Error(`graphile-worker: ran ${done} of ${n}`);
    return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
  } finally {
    await sql.end();
    if (!pool.ended) await utils.release();
    await pool.end();
  }
}

/** pg-boss in its own database, fetching `batchSize` jobs at a time. */
export async function drainBoss({ dbUrl, n, batchSize, meter = null }) {
  const { PgBoss } = await import("pg-boss");
  // tuned: a short stats cache so burst mode engages, and 16 local workers when fetching one job at a time
  const boss = new PgBoss({ connectionString: dbUrl, max: 20, schedule: false, queueCacheIntervalSeconds: 1, monitorIntervalSeconds: 1 });
  boss.on("error", () => {});
  await boss.start();
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    await boss.createQueue("noop");
    for (let i = 0; i < n; i += 1000) {
      await boss.insert("noop", Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ data: { i: i + j } })));
    }
    let seen = 0;
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    const tuning = batchSize === 1
      ? { localConcurrency: 16, burstWhenReadyExceeds: 1 }
      : { burstWhenBatchFull: true };
    await boss.work("noop", { batchSize, pollingIntervalSeconds: 0.5, ...tuning }, async (jobs) => {
      seen += jobs.length;
    });
    // wait in process until every job was handled, then for the completions (not polling the database all along)
    while (seen < n) await new Promise((r) => setTimeout(r, 5));
    for (;;) {
      const [{ done }] = await sql`select /* bench harness */ count(*)::int as done from pgboss.job where name = 'noop' and state = 'completed'`;
      if (done >= n) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    if (seen !== n) throw new Error(`pg-boss: handled ${seen} of ${n}`);
    return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
  } finally {
    await sql.end();
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
  }
}
