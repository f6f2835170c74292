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

insert into scheduler_internal.settings (key, value, description) values
  ('skipped_run_retention', '"3 days"', 'Skipped runs (overlap or misfire) older than this are pruned daily (prune-history). Shorter than run_retention, so sub-minute tasks do not fill the history. null keeps them.'),
  ('audit_retention', '"180 days"', 'audit_trail rows older than this are pruned daily (prune-history). null keeps them.'),
  ('notification_retention', '"30 days"', 'Read or archived notifications older than this are pruned daily (prune-history). null keeps them.'),
  ('unread_notification_retention', '"90 days"', 'Unread notifications older than this are pruned daily (prune-history). null keeps them.'),
  ('event_retention', '"90 days"', 'Events older than this are pruned daily (prune-history), except those a queued, waiting or running run was started by. null keeps them.'),
  ('cron_history_retention', '"7 days"', 'cron.job_run_details rows of the scheduler''s own pg_cron jobs older than this are pruned daily (prune-history); other jobs'' rows are never touched. null keeps them.'),
  ('http_response_retention', '"1 day"', 'net._http_response rows answering the dispatcher wakes of scheduler-tick older than this are pruned daily (prune-history); pg_net''s own pg_net.ttl (6 hours by default) usually removes them first. null keeps them.')
on conflict (key) do nothing;

update scheduler_internal.settings set description = 'Completed, failed and cancelled runs older than this are pruned daily (prune-history); each task''s latest completed or failed run is kept, since dependencies read it. null keeps them.'
where key = 'run_retention' and description = 'Finished runs older than this are pruned daily (prune-run-history).';
update scheduler_internal.settings set description = 'system_logs rows older than this are pruned daily (prune-history). null keeps them.'
where key = 'log_retention' and description = 'system_logs rows older than this are pruned daily.';
update scheduler_internal.settings set description = 'Rows deleted per batch (and per commit) when pruning (prune-history).'
where key = 'prune_batch_size' and description = 'Rows deleted per batch (and per commit) when pruning.';

create or replace function scheduler_internal.retention(p_key text) returns interval
language plpgsql stable
set search_path = ''
as $$
declare
  v_value jsonb := scheduler_internal.setting(p_key);
  v_retention interval;
begin
  -- a missing row or a json null keeps the rows forever
  if v_value is null or jsonb_typeof(v_value) = 'null' then
    return null;
  end if;
  begin
    v_retention := (v_value #>> '{}')::interval;
  exception when others then
    raise exception 'setting % = % is not an interval; write it like ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end;
  -- '7' reads as 7 seconds: refuse what is surely a missing unit
  if v_retention < interval '1 hour' then
    raise exception 'setting % = % is shorter than an hour; write the unit, e.g. ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end if;
  return v_retention;
end;
$$;
comment on function scheduler_internal.retention(text) is 'A retention setting as an interval: null when the setting is missing or null (keep forever); raises 22023 when it is not an interval or is shorter than an hour.';
revoke execute on function scheduler_internal.retention(text) from public, anon, authenticated, service_role;

-- bookkeeping tables -----------------------------------------------------

create table if not exists scheduler_internal.dispatcher_requests (
  request_id bigint primary key,
  created_at timestamptz not null default now()
);
comment on table scheduler_internal.dispatcher_requests is 'pg_net request ids of the dispatcher wakes scheduler_internal.scheduler_tick queued, so the housekeeping deletes only the scheduler''s own net._http_response rows. Pruned with them (http_response_retention).';
comment on column scheduler_internal.dispatcher_requests.request_id is 'What net.http_post returned (net._http_response.id once answered).';
alter table scheduler_internal.dispatcher_requests enable row level security;
revoke all on scheduler_internal.dispatcher_requests from public, anon, authenticated, service_role;

create table if not exists scheduler_internal.retired_cron_jobs (
  jobid bigint primary key,
  jobname text not null,
  retired_at timestamptz not null default now()
);
comment on table scheduler_internal.retired_cron_jobs is 'The scheduler''s pg_cron jobs that migrations unscheduled; their cron.job_run_details rows no longer name a job, and are still pruned by cron_history_retention.';
alter table scheduler_internal.retired_cron_jobs enable row level security;
revoke all on scheduler_internal.retired_cron_jobs from public, anon, authenticated, service_role;

create or replace function scheduler_internal.scheduler_cron_job_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['scheduler-tick', 'prune-history', 'cleanup-expired-sessions']
$$;
comment on function scheduler_internal.scheduler_cron_job_names() is 'The pg_cron jobs the scheduler schedules (as the migration role); only their cron.job_run_details rows are pruned.';
revoke execute on function scheduler_internal.scheduler_cron_job_names() from public, anon, authenticated, service_role;

-- notifications are pruned by age; no index led with created_at
create index if not exists notifications_created_at_idx on scheduler.notifications (created_at);

-- failures of a step: a warning, and a row in system_logs admins can read ----

create or replace function scheduler_internal.log_failure(p_module text, p_step text, p_sqlstate text, p_message text) returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  raise warning '%: % failed: % (SQLSTATE %)', p_module, p_step, p_message, p_sqlstate;
  begin
    insert into scheduler.system_logs (level, module, message, metadata)
    values ('error', p_module, p_step || ' failed: ' || p_message, jsonb_build_object('step', p_step, 'sqlstate', p_sqlstate));
  exception when others then
    raise warning '%: could not record that failure in system_logs: %', p_module, sqlerrm;
  end;
  return jsonb_build_object('error', p_message, 'sqlstate', p_sqlstate);
end;
$$;
comment on function scheduler_internal.log_failure(text, text, text, text) is 'Reports a failed step of scheduler_tick or prune-history: raises a warning, writes an error row to system_logs (module, metadata.step, metadata.sqlstate) and returns {error, sqlstate}.';
revoke execute on function scheduler_internal.log_failure(text, text, text, text) from public, anon, authenticated, service_role;

-- the per-minute job -----------------------------------------------------

create or replace function scheduler_internal.scheduler_tick(p_now timestamptz default now()) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb := '{}';
  v_request_id bigint;
begin
  -- each step runs in its own subtransaction: a failure undoes that step
  -- only, is reported, and the next step runs
  begin
    v_result := v_result || jsonb_build_object('expire_approvals', scheduler.expire_approvals(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('expire_approvals',
      scheduler_internal.log_failure('scheduler_tick', 'expire_approvals', sqlstate, sqlerrm));
  end;

  begin
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat', scheduler.check_dispatcher_heartbeat(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat',
      scheduler_internal.log_failure('scheduler_tick', 'check_dispatcher_heartbeat', sqlstate, sqlerrm));
  end;

  -- last, so nothing above can keep the dispatcher asleep
  begin
    v_request_id := scheduler_internal.invoke_dispatcher('tick');
    if v_request_id is not null then
      -- an id seen before means pg_net was reinstalled: the new request owns it
      insert into scheduler_internal.dispatcher_requests (request_id) values (v_request_id)
      on conflict (request_id) do update set created_at = excluded.created_at;
    end if;
    v_result := v_result || jsonb_build_object('invoke_dispatcher', v_request_id);
  exception when others then
    v_result := v_result || jsonb_build_object('invoke_dispatcher',
      scheduler_internal.log_failure('scheduler_tick', 'invoke_dispatcher', sqlstate, sqlerrm));
  end;
  return v_result;
end;
$$;
comment on function scheduler_internal.scheduler_tick(timestamptz) is 'pg_cron job scheduler-tick, every minute: expires approvals, runs the dead-man check, then wakes the dispatcher through pg_net (recording the request id). Each step is isolated: a failing one is reported (warning + system_logs) and the others still run. Returns what each step returned or its error.';
revoke execute on function scheduler_internal.scheduler_tick(timestamptz) from public, anon, authenticated, service_role;

-- the daily pruning ------------------------------------------------------

-- events are append-only; the retention may delete the ones older than the
-- cutoff it names for the statement (scheduler.prune_events_before), and no
-- others. Only the table owner holds DELETE on events in the first place.
create or replace function scheduler_internal.tg_events__append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- referential actions still apply: deleting a user removes their events,
  -- deleting a task or project clears the link (they run one trigger level down)
  if pg_catalog.pg_trigger_depth() > 1 then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'DELETE'
     and old.created_at < nullif(pg_catalog.current_setting('scheduler.prune_events_before', true), '')::timestamptz then
    return old;
  end if;
  raise exception 'events are append-only: % is not allowed', lower(tg_op)
    using errcode = '42501';
end;
$$;
comment on function scheduler_internal.tg_events__append_only() is 'Keeps the event log immutable for everyone, service work included; only the foreign keys'' cascades and the retention (events older than the cutoff scheduler_internal.prune_batch sets in scheduler.prune_events_before) may delete.';

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
        -- one keeps its own copy (inputs: event_id, event_type, payload).
        -- the open states are task_runs_status_idx's, so this stays a probe
        -- of the open runs
        and not exists (
          select 1 from scheduler.task_runs r
          where r.status in ('queued', 'awaiting_approval', 'claimed', 'running') and r.inputs ->> 'event_id' = e.id::text
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

  else
    raise exception 'prune_batch: unknown target %', p_target using errcode = '22023';
  end case;
end;
$$;
comment on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) is 'Deletes up to p_limit rows of one target (skipped_runs, finished_runs, events, notifications, audit_trail, system_logs, cron_history, http_responses) older than its retention at p_now, after the cursor (p_after_at / p_after_id) of the previous batch. Returns how many and the new cursor.';
revoke execute on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) from public, anon, authenticated, service_role;

-- one step of the pruning, as a state machine over the targets, so the
-- caller decides where the transactions end: the prune-history job commits
-- after every step, scheduler.prune_history runs them all in the caller's.
create or replace function scheduler_internal.prune_step(p_state jsonb default '{}') returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  -- runs first: the events and notifications they held on to go next
  v_targets constant text[] := array['skipped_runs', 'finished_runs', 'events', 'notifications', 'audit_trail',
                                     'system_logs', 'cron_history', 'http_responses'];
  v_state jsonb := coalesce(p_state, '{}');
  v_now timestamptz := coalesce((v_state ->> 'now')::timestamptz, now());
  v_max integer := coalesce((v_state ->> 'max_batches')::integer, 1000);
  v_limit integer := coalesce((scheduler_internal.setting('prune_batch_size'))::integer, 5000);
  v_target text := coalesce(v_state ->> 'target', v_targets[1]);
  v_batches integer := coalesce((v_state ->> 'batches')::integer, 0) + 1;
  v_position integer := array_position(v_targets, v_target);
  v_deleted integer := 0;
  v_last_at timestamptz;
  v_last_id bigint;
begin
  if coalesce((v_state ->> 'done')::boolean, false) then
    return v_state;
  end if;
  if v_position is null then
    raise exception 'prune_step: unknown target %', v_target using errcode = '22023';
  end if;
  begin
    select b.deleted, b.last_at, b.last_id into v_deleted, v_last_at, v_last_id
    from scheduler_internal.prune_batch(v_target, v_now, v_limit, (v_state ->> 'after_at')::timestamptz, (v_state ->> 'after_id')::bigint) b;
  exception when others then
    -- a failing target is reported and skipped; the others still run
    v_state := v_state || jsonb_build_object('errors', coalesce(v_state -> 'errors', '{}')
      || jsonb_build_object(v_target, scheduler_internal.log_failure('prune_history', v_target, sqlstate, sqlerrm)));
    v_deleted := 0;
  end;
  v_state := v_state || jsonb_build_object('now', v_now, 'max_batches', v_max,
    'deleted', coalesce(v_state -> 'deleted', '{}')
      || jsonb_build_object(v_target, coalesce((v_state #>> array['deleted', v_target])::bigint, 0) + v_deleted));
  if v_deleted >= v_limit and v_batches < v_max then
    return v_state || jsonb_build_object('target', v_target, 'batches', v_batches, 'after_at', v_last_at, 'after_id', v_last_id);
  end if;
  v_state := v_state - 'after_at' - 'after_id';
  if v_position = cardinality(v_targets) then
    return v_state - 'target' - 'batches' || '{"done": true}'::jsonb;
  end if;
  return v_state || jsonb_build_object('target', v_targets[v_position + 1], 'batches', 0);
end;
$$;
comment on function scheduler_internal.prune_step(jsonb) is 'One batch of the daily pruning. Takes the state the previous step returned ({} to start; {"now": ..., "max_batches": ...} to choose them) and returns the next, with deleted counts (and errors) per target; {"done": true} when every target is done. The prune-history job commits after each step.';
revoke execute on function scheduler_internal.prune_step(jsonb) from public, anon, authenticated, service_role;

create or replace function scheduler.prune_history(p_now timestamptz default now(), p_max_batches integer default 1000)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_state jsonb := jsonb_build_object('now', p_now, 'max_batches', p_max_batches);
begin
  loop
    v_state := scheduler_internal.prune_step(v_state);
    exit when (v_state ->> 'done')::boolean;
  end loop;
  return v_state - 'done' - 'now' - 'max_batches';
end;
$$;
comment on function scheduler.prune_history(timestamptz, integer) is 'The daily pruning in the caller''s transaction (tests, a manual run): every target of scheduler_internal.prune_step, up to p_max_batches batches each. Returns {"deleted": {target: rows}, "errors": {...}}. The prune-history job runs the same steps, committing after each.';
revoke execute on function scheduler.prune_history(timestamptz, integer) from public, anon, authenticated, service_role;

-- it never committed (see the header) and prune_history replaces it
drop procedure if exists scheduler.prune_run_history(timestamptz, integer, boolean);

-- the dead-man alert names the job to check; keep whatever else the
-- function's current definition says
do $$
declare
  v_function regprocedure := pg_catalog.to_regprocedure('scheduler.check_dispatcher_heartbeat(timestamptz)');
  v_definition text := case when v_function is not null then pg_catalog.pg_get_functiondef(v_function) end;
begin
  if strpos(v_definition, 'Check the dispatch-due-tasks pg_cron job') > 0 then
    execute replace(v_definition, 'Check the dispatch-due-tasks pg_cron job', 'Check the scheduler-tick pg_cron job');
  end if;
end
$$;

-- pg_cron jobs -----------------------------------------------------------

do $$
declare
  v_job record;
begin
  for v_job in
    select j.jobid, j.jobname from cron.job j
    where j.jobname in ('dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history')
      and j.username = current_user
  loop
    insert into scheduler_internal.retired_cron_jobs (jobid, jobname) values (v_job.jobid, v_job.jobname)
    on conflict (jobid) do nothing;
    perform cron.unschedule(v_job.jobid);
  end loop;
end
$$;

select cron.schedule('scheduler-tick', '* * * * *', 'select scheduler_internal.scheduler_tick()');

-- a DO block, not a procedure: it may commit between steps (see the header)
select cron.schedule('prune-history', '17 3 * * *', $command$do $$
declare
  v_state jsonb := '{}';
begin
  loop
    v_state := scheduler_internal.prune_step(v_state);
    exit when (v_state ->> 'done')::boolean;
    commit;
  end loop;
end
$$$command$);
