// Idle cost (issue 17): the stack with no due work, over a few minutes of
// the real minute tick, scaled to a day: ticks, top-level SQL statements
// (every database of the cluster), WAL, rows added to cron.job_run_details
// and net._http_response, function invocations, and CPU seconds of the
// database and of the functions' processes.
import postgres from "postgres";
import { startCpuMeter } from "./cost.mjs";
import { countInvocations } from "./pipeline.mjs";

export async function idleCost({ adminDbUrl, logDir, roots, minutes = 3, log = () => {} }) {
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ tasks }] = await admin`select count(*)::int as tasks from scheduler.tasks`;
    const mark = async () => {
      const [r] = await admin`
        select pg_current_wal_lsn()::text as lsn,
          (select coalesce(sum(calls), 0) from extensions.pg_stat_statements where toplevel)::bigint as calls,
          (select coalesce(max(runid), 0) from cron.job_run_details)::bigint as cron_max,
          (select count(*) from net._http_response)::bigint as responses,
          (select coalesce(max(id), 0) from net._http_response)::bigint as response_max`;
      return r;
    };
    const cpuDb = startCpuMeter({ roots: roots.db });
    const cpuFunctions = startCpuMeter({ roots: roots.functions });
    const since = Date.now();
    const m0 = await mark();
    log(`  idle for ${minutes} minutes (${tasks ?? "?"} tasks in the table, none due)`);
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    const m1 = await mark();
    const until = Date.now();
    const db = cpuDb.end();
    const fn = cpuFunctions.end();
    const [{ wal }] = await admin`select pg_wal_lsn_diff(${m1.lsn}::pg_lsn, ${m0.lsn}::pg_lsn)::bigint as wal`;
    const jobs = await admin`
      select j.jobname, count(*)::int as runs from cron.job_run_details d join cron.job j on j.jobid = d.jobid
      where d.runid > ${m0.cron_max} and d.runid <= ${m1.cron_max} group by 1 order by 1`;
    const seconds = (until - since) / 1000;
    const perDay = 86_400 / seconds;
    const inv = countInvocations(logDir, since, until);
    return {
      seconds,
      perDay,
      ticks: (jobs.find((j) => j.jobname === "scheduler-tick")?.runs ?? 0) * perDay,
      cronRuns: jobs.reduce((a, j) => a + j.runs, 0) * perDay,
      cronJobs: jobs.map((j) => `${j.jobname} ${j.runs}`).join(", ") || "none",
      statements: (Number(m1.calls) - Number(m0.calls)) * perDay,
      walBytes: Number(wal) * perDay,
      httpResponses: (Number(m1.response_max) - Number(m0.response_max)) * perDay,
      invocations: inv.total * perDay,
      dbCpuSeconds: db * perDay,
      functionsCpuSeconds: fn * perDay,
    };
  } finally {
    await admin.end();
  }
}
