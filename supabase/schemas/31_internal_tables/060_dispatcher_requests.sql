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

create table if not exists scheduler_internal.dispatcher_requests (
  request_id bigint primary key,
  created_at timestamptz not null default now()
);

comment on table scheduler_internal.dispatcher_requests is 'pg_net request ids of the dispatcher wakes scheduler_internal.scheduler_tick queued, so the housekeeping deletes only the scheduler''s own net._http_response rows. Pruned with them (http_response_retention).';

comment on column scheduler_internal.dispatcher_requests.request_id is 'What net.http_post returned (net._http_response.id once answered).';

alter table scheduler_internal.dispatcher_requests enable row level security;

revoke all on table scheduler_internal.dispatcher_requests from public, anon, authenticated, service_role;
