-- On hosted Supabase `postgres` may read cron.job (and change it only through
-- cron.schedule/unschedule), delete from cron.job_run_details (it sees every
-- role's rows, hence the filter on the scheduler's own jobs) and delete from
-- net._http_response, but may index neither, so the walks below are bounded
-- by what each batch already passed.
-- one batch of one target. The public tables are walked in created_at order
-- from p_after_at, cron.job_run_details in runid order from p_after_id, so a
-- batch does not rescan the rows earlier batches kept.
create or replace function scheduler_internal.prune_batch(
  p_target text, p_now timestamptz, p_limit integer,
  p_after_at timestamptz default null, p_after_id bigint default null,
  out deleted integer, out last_at timestamptz, out last_id bigint
)
language plpgsql
set search_path = ''
as $$
declare
  v_after timestamptz := coalesce(p_after_at, '-infinity');
  v_cutoff timestamptz;
  v_unread_cutoff timestamptz;
begin
  deleted := 0;
  case p_target
  when 'skipped_runs' then
    v_cutoff := p_now - scheduler_internal.retention('skipped_run_retention');
    with doomed as (
      select r.id, r.created_at from scheduler.task_runs r
      where r.status = 'skipped' and r.created_at < v_cutoff and r.created_at >= v_after
      order by r.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.task_runs r using doomed d where r.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'finished_runs' then
    v_cutoff := p_now - scheduler_internal.retention('run_retention');
    with doomed as (
      select r.id, r.created_at from scheduler.task_runs r
      where r.status in ('completed', 'failed', 'cancelled') and r.created_at < v_cutoff and r.created_at >= v_after
        -- a task's latest completed or failed run stays: its dependents'
        -- edges (scheduler_internal.edge_satisfied) and task_summary read it
        and (r.status = 'cancelled' or exists (
          select 1 from scheduler.task_runs n
          where n.task_id = r.task_id and n.status in ('completed', 'failed')
            and (n.scheduled_time, n.attempt) > (r.scheduled_time, r.attempt)
        ))
      order by r.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.task_runs r using doomed d where r.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'events' then
    v_cutoff := p_now - scheduler_internal.retention('event_retention');
    if v_cutoff is null then
      return;
    end if;
    perform pg_catalog.set_config('scheduler.prune_events_before', v_cutoff::text, true);
    with doomed as (
      select e.id, e.created_at from scheduler.events e
      where e.created_at < v_cutoff and e.created_at >= v_after
        -- a run that has not finished may still read its event; a finished
        -- one keeps its own copy of the payload (inputs).
        -- the open states are task_runs_status_idx's, so this stays a probe
        -- of the open runs
        and not exists (
          select 1 from scheduler.task_runs r
          where r.status in ('queued', 'awaiting_approval', 'claimed', 'running') and r.event_id = e.id
        )
      order by e.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.events e using doomed d where e.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;
    perform pg_catalog.set_config('scheduler.prune_events_before', '', true);

  when 'notifications' then
    v_cutoff := p_now - scheduler_internal.retention('notification_retention');
    v_unread_cutoff := p_now - scheduler_internal.retention('unread_notification_retention');
    with doomed as (
      select n.id, n.created_at from scheduler.notifications n
      where n.created_at < greatest(v_cutoff, v_unread_cutoff) and n.created_at >= v_after
        and n.created_at < case when n.status = 'unread' then v_unread_cutoff else v_cutoff end
      order by n.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.notifications n using doomed d where n.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'audit_trail' then
    v_cutoff := p_now - scheduler_internal.retention('audit_retention');
    with doomed as (
      select a.id, a.created_at from scheduler.audit_trail a
      where a.created_at < v_cutoff and a.created_at >= v_after
      order by a.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.audit_trail a using doomed d where a.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'system_logs' then
    v_cutoff := p_now - scheduler_internal.retention('log_retention');
    with doomed as (
      select l.id, l.created_at from scheduler.system_logs l
      where l.created_at < v_cutoff and l.created_at >= v_after
      order by l.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.system_logs l using doomed d where l.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'cron_history' then
    -- only the scheduler's own jobs (scheduled by this role), current or
    -- retired; the table cannot be indexed, so it is walked by its key
    v_cutoff := p_now - scheduler_internal.retention('cron_history_retention');
    with jobs as (
      select j.jobid from cron.job j
      where j.jobname = any (scheduler_internal.scheduler_cron_job_names()) and j.username = current_user
      union
      select r.jobid from scheduler_internal.retired_cron_jobs r
    ), doomed as (
      select d.runid from cron.job_run_details d
      where d.runid > coalesce(p_after_id, 0)
        and d.jobid in (select jobid from jobs)
        and coalesce(d.end_time, d.start_time) < v_cutoff
      order by d.runid
      limit p_limit
    ), gone as (
      delete from cron.job_run_details d using doomed x where d.runid = x.runid returning d.runid
    )
    select count(*)::integer, max(g.runid) into deleted, last_id from gone g;

  when 'http_responses' then
    -- only responses to requests scheduler_tick recorded; a response comes
    -- after its request, within the hour unless pg_net's worker was down
    -- (then pg_net.ttl removes it), which also keeps a reused id (pg_net
    -- reinstalled) from naming someone else's response
    v_cutoff := p_now - scheduler_internal.retention('http_response_retention');
    with doomed as (
      select q.request_id, q.created_at from scheduler_internal.dispatcher_requests q
      where q.created_at < v_cutoff
      order by q.request_id
      limit p_limit
    ), responses as (
      delete from net._http_response r using doomed d
      where r.id = d.request_id and r.created >= d.created_at and r.created < d.created_at + interval '1 hour'
    ), gone as (
      delete from scheduler_internal.dispatcher_requests q using doomed d where q.request_id = d.request_id returning q.request_id
    )
    select count(*)::integer, max(g.request_id) into deleted, last_id from gone g;

  when 'idempotency_keys' then
    -- a key past its window collapses nothing any more (the window is read
    -- now, as claim_idempotency_key reads it)
    v_cutoff := p_now - coalesce((scheduler_internal.setting('idempotency_window') #>> '{}')::interval, interval '24 hours');
    with doomed as (
      select k.scope, k.scope_id, k.key, k.taken_at from scheduler_internal.idempotency_keys k
      where k.taken_at < v_cutoff and k.taken_at >= v_after
      order by k.taken_at
      limit p_limit
    ), gone as (
      delete from scheduler_internal.idempotency_keys k using doomed d
      where k.scope = d.scope and k.scope_id = d.scope_id and k.key = d.key and k.taken_at < v_cutoff
      returning d.taken_at
    )
    select count(*)::integer, max(g.taken_at) into deleted, last_at from gone g;

  else
    raise exception 'prune_batch: unknown target %', p_target using errcode = '22023';
  end case;
end;
$$;

comment on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) is 'Deletes up to p_limit rows of one target (skipped_runs, finished_runs, events, notifications, audit_trail, system_logs, cron_history, http_responses, idempotency_keys) older than its retention at p_now, after the cursor (p_after_at / p_after_id) of the previous batch. Returns how many and the new cursor.';

revoke execute on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) from public, anon, authenticated, service_role;
