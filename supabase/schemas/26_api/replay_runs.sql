-- replay what went wrong over a time range: the runs of one task due from
-- p_from to p_to (both included) whose status is one of p_statuses, each
-- replayed once as replay_run does. One statement picks and inserts them.
--  * only the last attempt of a due time counts: a failure that was
--    retried is history, and its retry is the run that says how it ended;
--  * a run already replayed is left alone, so calling again with the same
--    range goes on where the limit stopped (and a second caller at the same
--    moment waits for the first, then finds nothing left to do);
--  * at most p_limit (default and ceiling: the replay_max_runs setting),
--    oldest first.
create or replace function scheduler.replay_runs(
  p_task_id uuid,
  p_from timestamptz,
  p_to timestamptz,
  p_statuses scheduler.run_status[] default '{failed}',
  p_limit integer default null,
  p_now timestamptz default now()
) returns table (run_id uuid, replay_of uuid)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_name text;
  v_max integer := coalesce((scheduler_internal.setting('replay_max_runs') #>> '{}')::integer, 100);
  v_limit integer := coalesce(p_limit, v_max);
  v_open scheduler.run_status[];
begin
  select t.name into v_name from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_name is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'replay_runs: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'replay_runs: you may not replay runs of task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if p_from is null or p_to is null then
    raise exception 'replay_runs: p_from and p_to are required (the range of due times to replay)' using errcode = '22023';
  end if;
  if p_from > p_to then
    raise exception 'replay_runs: p_from (%) is after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  if p_statuses is null or cardinality(p_statuses) = 0 then
    raise exception 'replay_runs: p_statuses must name at least one of completed, failed, cancelled, skipped' using errcode = '22023';
  end if;
  v_open := array(select s from unnest(p_statuses) s where s not in ('completed', 'failed', 'cancelled', 'skipped'));
  if cardinality(v_open) > 0 then
    raise exception 'replay_runs: p_statuses: only finished runs are replayed (completed, failed, cancelled, skipped), got %', v_open
      using errcode = '22023';
  end if;
  if v_limit < 1 or v_limit > v_max then
    raise exception 'replay_runs: p_limit must be between 1 and % (the replay_max_runs setting), got %', v_max, v_limit
      using errcode = '22023';
  end if;

  -- one bulk replay of a task at a time, so two never replay the same run
  perform pg_advisory_xact_lock(hashtextextended('scheduler.replay_runs:' || p_task_id::text, 0));

  -- a new statement, so a caller that waited above sees the other's replays
  return query
  with picked as (
    select r.id, r.inputs, r.scheduled_time
    from scheduler.task_runs r
    where r.task_id = p_task_id
      and r.scheduled_time between p_from and p_to
      and r.status = any (p_statuses)
      and not exists (
        select 1 from scheduler.task_runs n
        where n.task_id = r.task_id and n.idempotency_key = coalesce(r.idempotency_key, r.id::text)
          and n.attempt > r.attempt
      )
      and not exists (select 1 from scheduler.task_runs p where p.replay_of = r.id)
    order by r.scheduled_time, r.id
    limit v_limit
  ),
  made as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by, replay_of)
    select p_task_id, p_now, 'queued', 1, 'replay', p.inputs, (select auth.uid()), p.id
    from picked p
    order by p.scheduled_time, p.id
    returning id, replay_of
  )
  select m.id, m.replay_of from made m
  join picked p on p.id = m.replay_of
  order by p.scheduled_time, p.id;
end;
$$;

comment on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) is 'Replays (as replay_run) the runs of a task due from p_from to p_to whose last attempt ended in one of p_statuses (default failed) and that were not replayed yet, oldest first, at most p_limit (the replay_max_runs setting, 100); returns the new runs and what each replays. Owners, editors and admins of the task.';

revoke execute on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) from public, anon;

grant execute on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) to authenticated, service_role;
