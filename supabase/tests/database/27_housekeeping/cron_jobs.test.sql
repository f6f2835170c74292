-- The scheduler's pg_cron jobs (scheduler_internal.scheduler_cron_job_names):
-- scheduler-tick every minute, scheduler-watchdog every 10 s (on pg_cron
-- older than 1.5, which takes no seconds, one job a minute that checks at
-- :10 to :50), prune-history and cleanup-expired-sessions daily, under stable names, with no secret in any command; the jobs of
-- older versions are gone and remembered. (Who may run what they call:
-- 00_schemas/function_grants.)
begin;
\ir ../_helpers/setup.psql
select plan(12);

select set_eq($$ select jobname from cron.job where jobname in ('scheduler-tick', 'prune-history', 'cleanup-expired-sessions', 'dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history') $$,
  $$ values ('scheduler-tick'), ('prune-history'), ('cleanup-expired-sessions') $$, 'the pg_cron jobs exist under stable names');
select is((select count(*)::integer from cron.job where jobname = 'scheduler-watchdog'), 1, 'and so does scheduler-watchdog');
select set_eq($$ select jobname from cron.job where jobname = any (scheduler_internal.scheduler_cron_job_names()) $$,
  scheduler_internal.scheduler_cron_job_names(), 'and scheduler_cron_job_names() names exactly them');
select set_eq($$ select jobname from cron.job where schedule = '* * * * *' $$,
  case when (select string_to_array(substring(extversion from '^\d+\.\d+'), '.')::integer[] >= array[1, 5] from pg_extension where extname = 'pg_cron')
    then array['scheduler-tick'] else array['scheduler-tick', 'scheduler-watchdog'] end,
  'scheduler-tick is the only per-minute pg_cron job, besides the watchdog where pg_cron takes no seconds');
select ok((select case
    when (select string_to_array(substring(extversion from '^\d+\.\d+'), '.')::integer[] >= array[1, 5] from pg_extension where extname = 'pg_cron')
    then schedule = '10 seconds' and command = 'select scheduler_internal.wake_if_looker_dead()'
    else schedule = '* * * * *' and command ~ 'wake_if_looker_dead' and command ~ '\mcommit\M' and command ~ 'pg_sleep' end
  from cron.job where jobname = 'scheduler-watchdog'),
  'the watchdog calls wake_if_looker_dead every 10 s (pg_cron 1.5+), or five times a minute from one job that commits after each check');
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
