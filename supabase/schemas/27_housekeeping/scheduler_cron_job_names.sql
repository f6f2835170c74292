create or replace function scheduler_internal.scheduler_cron_job_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['scheduler-tick', 'scheduler-watchdog', 'prune-history', 'cleanup-expired-sessions']
$$;

comment on function scheduler_internal.scheduler_cron_job_names() is 'The pg_cron jobs the scheduler schedules (as the migration role); only their cron.job_run_details rows are pruned.';

revoke execute on function scheduler_internal.scheduler_cron_job_names() from public, anon, authenticated, service_role;
