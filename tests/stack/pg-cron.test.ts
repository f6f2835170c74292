// pg_cron really runs in the local stack: a job scheduled as the non-superuser
// postgres role (as a migration on hosted Supabase would) fires at the next
// minute boundary and is recorded in cron.job_run_details.
import { afterAll, expect, test } from "vitest";
import { connect, waitFor } from "../helpers/stack.ts";

const sql = connect();
const jobName = `stack-test-${process.pid}-${Date.now()}`;

afterAll(async () => {
  await sql`select cron.unschedule(jobid) from cron.job where jobname = ${jobName}`;
  await sql.end();
});

test("a job scheduled by the postgres role runs at the next minute", async () => {
  const [{ jobid }] = await sql`select cron.schedule(${jobName}, '* * * * *', 'select 42') as jobid`;
  await waitFor("the job's first run to start", async () => {
    const [row] = await sql`select runid from cron.job_run_details where jobid = ${jobid} limit 1`;
    return row;
  }, 75_000, 500);
  // pg_cron 1.4 records a run's end only when the jobs started beside it have
  // ended too: the scheduler's watchdog runs until :50 of each minute there
  // (pg_cron 1.5+, as on hosted, takes its '10 seconds' schedule instead)
  const run = await waitFor("the job's first run to end", async () => {
    const [row] = await sql`
      select status, return_message, username from cron.job_run_details
      where jobid = ${jobid} and status in ('succeeded', 'failed') limit 1`;
    return row;
  }, 60_000, 500);
  expect(run).toMatchObject({ status: "succeeded", username: "postgres" });
}, 150_000);
