-- pg_cron jobs the scheduler once scheduled and a later migration
-- unscheduled: their cron.job_run_details rows name no job any more, and
-- the housekeeping still prunes them.

create table scheduler_internal.retired_cron_jobs (
  jobid bigint primary key,
  jobname text not null,
  retired_at timestamptz not null default now()
);

comment on table scheduler_internal.retired_cron_jobs is 'The scheduler''s pg_cron jobs that migrations unscheduled; their cron.job_run_details rows no longer name a job, and are still pruned by cron_history_retention.';

alter table scheduler_internal.retired_cron_jobs enable row level security;

revoke all on table scheduler_internal.retired_cron_jobs from public, anon, authenticated, service_role;
