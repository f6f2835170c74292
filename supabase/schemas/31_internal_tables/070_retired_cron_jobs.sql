-- housekeeping and retention: one per-minute job instead of three, and a
-- daily job that prunes every history table the scheduler writes, in
-- committed batches, each by a retention setting in scheduler_internal.settings.
--
-- what grew without bound before this migration:
-- - cron.job_run_details: three jobs every minute (dispatch-due-tasks,
--   expire-approvals, dispatcher-dead-man), 4,320 rows a day; pg_cron never
--   deletes them (Supabase: "records are never cleaned automatically").
-- - task_runs, system_logs: the daily procedure scheduler.prune_run_history
--   could never commit. A procedure with a SET clause (search_path) may not
--   run COMMIT, so every nightly run failed with "invalid transaction
--   termination" and pruned nothing. Without the SET clause the linter
--   (function_search_path_mutable) flags it, so the batches are now
--   committed by the job's DO block, which drives scheduler_internal.prune_step.
-- - audit_trail, notifications, events: no retention at all.
-- - net._http_response: pg_net's worker deletes responses older than
--   pg_net.ttl (6 hours by default) while it processes requests; that is a
--   server setting. Here the scheduler deletes, as a backstop, only the
--   responses to the dispatcher wakes it queued and recorded itself.
--
-- on hosted Supabase postgres may: read cron.job (not write it: only through
-- cron.schedule/unschedule), delete from cron.job_run_details (all privileges,
-- and postgres has BYPASSRLS, so it sees every role's rows: hence the filter
-- on the scheduler's own jobs), and delete from net._http_response (pg_net
-- grants all on its tables to PUBLIC). It cannot index either table.

-- settings ---------------------------------------------------------------

create table if not exists scheduler_internal.retired_cron_jobs (
  jobid bigint primary key,
  jobname text not null,
  retired_at timestamptz not null default now()
);

comment on table scheduler_internal.retired_cron_jobs is 'The scheduler''s pg_cron jobs that migrations unscheduled; their cron.job_run_details rows no longer name a job, and are still pruned by cron_history_retention.';

alter table scheduler_internal.retired_cron_jobs enable row level security;

revoke all on table scheduler_internal.retired_cron_jobs from public, anon, authenticated, service_role;
