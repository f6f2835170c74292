// Workload 2, HTTP fan-out: N due HTTP jobs against a loopback echo server,
// ours end to end (pg_net → dispatcher → http function under the local
// gateway; each run passes the start gate, then is recorded as it ends), the
// peers running the same fetch in their handlers. The echo
// server runs in its own process, and its ceiling is measured first, so each
// system is reported as a fraction of what the receiver can take.
import { spawn } from "node:child_process";
import postgres from "postgres";
import { graphilePool } from "./graphile-pool.mjs";
import { uuidArray } from "./task-ids.mjs";

const ECHO_SOURCE = `
const http = require("node:http");
http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
}).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("ready"));
`;

export async function startEcho(port) {
  const child = spawn(process.execPath, ["-e", ECHO_SOURCE, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/echo`, stop: () => child.kill("SIGTERM") };
}

/** The receiver's own ceiling: as many POSTs as it answers with 64 in flight. */
export async function echoCeiling(url, n) {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < n) {
      const res = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      await res.arrayBuffer();
    }
  }));
  return n / ((performance.now() - started) / 1000);
}

/** Ours: N due http tasks, one wake of the dispatcher, until every run is recorded. */
export async function fanoutOurs({ dbUrl, ownerId, url, n, meter = null }) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`;
    const tasks = await sql`
      insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, max_attempts)
      select 'fanout ' || g, 'http', ${sql.json({ url, method: "POST", body: { run: "{{run.id}}" } })}, now() - interval '1 hour', ${ownerId}, 1
      from generate_series(1, ${n}) g
      returning id`;
    const taskIds = uuidArray(tasks);
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    await sql`select scheduler_internal.invoke_dispatcher('bench')`;
    for (;;) {
      // every final state: a run the start gate skipped or cancelled is done too, and is an error here
      const [{ done, completed }] = await sql`
        select /* bench harness */ count(*) filter (where r.status in ('completed', 'failed', 'skipped', 'cancelled'))::int as done,
          count(*) filter (where r.status = 'completed')::int as completed
        from scheduler.task_runs r where r.task_id = any (${taskIds}::uuid[])`;
      if (done >= n) {
        const seconds = (performance.now() - started) / 1000;
        if (completed < n) {
          const states = await sql`select r.status::text as status, count(*)::int as runs from scheduler.task_runs r where r.task_id = any (${taskIds}::uuid[]) group by 1`;
          throw new Error(`ours: ${n - completed} of ${n} http runs did not complete: ${states.map((s) => `${s.runs} ${s.status}`).join(", ")}`);
        }
        return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
      }
      if (performance.now() - started > 600_000) throw new Error(`ours: only ${done} of ${n} runs finished in 10 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await sql`delete from scheduler.tasks where owner_id = ${ownerId}`.catch(() => {});
    await sql.end();
  }
}

async function post(url) {
  const res = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`echo answered ${res.status}`);
}

export async function fanoutGraphile({ dbUrl, url, n, concurrency = 64, meter = null }) {
  const { Logger, makeWorkerUtils, run } = await import("graphile-worker");
  const logger = new Logger(() => () => {});
  const pool = await graphilePool(dbUrl, concurrency + 4);
  const utils = await makeWorkerUtils({ pgPool: pool.pgPool, logger });
  await utils.migrate();
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  let done = 0;
  try {
    await sql`
      select count(*) from graphile_worker.add_jobs(array(
        select row('fetch', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec from generate_series(1, ${n})))`;
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    const runner = await new Promise((resolve) => {
      const r = run({
        pgPool: pool.pgPool, concurrency, logger, noHandleSignals: true, pollInterval: 50,
        preset: { worker: { localQueue: { size: 200 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
        taskList: { fetch: async () => { await post(url); if (++done === n) resolve(r); } },
      });
    });
    const ready = await runner;
    for (;;) {
      const [{ left }] = await sql`select /* bench harness */ count(*)::int as left from graphile_worker._private_jobs`;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await ready.stop();
    // its sessions end before the meter reads the tables' counters
    await utils.release();
    await pool.end();
    return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
  } finally {
    await sql.end();
    if (!pool.ended) await utils.release();
    await pool.end();
  }
}

export async function fanoutBoss({ dbUrl, url, n, meter = null }) {
  const { PgBoss } = await import("pg-boss");
  const boss = new PgBoss({ connectionString: dbUrl, max: 20, schedule: false, queueCacheIntervalSeconds: 1, monitorIntervalSeconds: 1 });
  boss.on("error", () => {});
  await boss.start();
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    await boss.createQueue("fetch");
    for (let i = 0; i < n; i += 1000) await boss.insert("fetch", Array.from({ length: Math.min(1000, n - i) }, () => ({ data: {} })));
    // the cost meter (bench/lib/cost.mjs) brackets the timed window, setup excluded
    const window = meter ? await meter() : null;
    const started = performance.now();
    let seen = 0;
    await boss.work("fetch", { batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: 4 }, async (jobs) => {
      await Promise.all(jobs.map(() => post(url)));
      seen += jobs.length;
    });
    // wait in process until every job was handled, then for the completions (not polling the database all along)
    while (seen < n) await new Promise((r) => setTimeout(r, 5));
    for (;;) {
      const [{ done }] = await sql`select /* bench harness */ count(*)::int as done from pgboss.job where name = 'fetch' and state = 'completed'`;
      if (done >= n) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, perSecond: n / seconds, cost: window ? await window.end() : null };
  } finally {
    await sql.end();
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
  }
}
