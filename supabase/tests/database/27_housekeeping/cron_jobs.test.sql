-- The scheduler's pg_cron jobs (scheduler_internal.scheduler_cron_job_names):
-- scheduler-tick every minute, prune-history and cleanup-expired-sessions
-- daily, under stable names, with no secret in any command; the jobs of
-- older versions are gone and remembered. (Who may run what they call:
-- 00_schemas/function_grants.)
begin;
\ir ../_helpers/setup.psql
select plan(10);

select set_eq($$ select jobname from cron.job where jobname in ('scheduler-tick', 'prune-history', 'cleanup-expired-sessions', 'dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history') $$,
  $$ values ('scheduler-tick'), ('prune-history'), ('cleanup-expired-sessions') $$, 'the pg_cron jobs exist under stable names');
select set_eq($$ select jobname from cron.job where jobname = any (scheduler_internal.scheduler_cron_job_names()) $$,
  scheduler_internal.scheduler_cron_job_names(), 'and scheduler_cron_job_names() names exactly them');
select set_eq($$ select jobname from cron.job where schedule = '* * * * *' $$, array['scheduler-tick'],
  'scheduler-tick is the only per-minute pg_cron job');
select is((select command from cron.job where jobname = 'scheduler-tick'), 'select scheduler_internal.scheduler_tick()',
  'it calls scheduler_tick, with no secret in the command');
select is_empty($$ select jobname from cron.job where jobname in ('dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history') $$,
  'the three old per-minute jobs and prune-run-history are gone');
select is_empty($$ select 1 from scheduler_internal.retired_cron_jobs r join cron.job j on j.jobid = r.jobid $$,
  'a job the scheduler retired is no longer scheduled (its history is still pruned: 27_housekeeping/prune_history)');
select is((select schedule from cron.job where jobname = 'prune-history'), '17 3 * * *', 'prune-history runs daily at 03:17 UTC');
select ok((select command ~ 'scheduler_internal\.prune_step' and command ~ '\mcommit\M' from cron.job where jobname = 'prune-history'),
  'and commits after each step of scheduler_internal.prune_step');
select ok(not exists (select 1 from pg_proc where proname = 'prune_run_history'), 'the procedure that could not commit is gone');
select is((select schedule from cron.job where jobname = 'cleanup-expired-sessions'), '0 2 * * *', 'the session sweep runs daily from pg_cron');

select * from finish();
rollback;
