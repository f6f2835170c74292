-- backfill: one run for each slot of the task's schedule from p_from to
-- p_to (both included) that has no run yet. With p_preview (the default)
-- it only returns the slots it would fill.
--  * a slot is a due time of the schedule: cron in the task's timezone, an
--    interval on the grid of its next due time, a one-off's run_at;
--  * only the past: slots after p_now, and for an active task its next due
--    time and later (the schedule's own), are left to the schedule;
--  * a slot has a run when a scheduled or backfill run of the task is due
--    from the slot until the next one (a catch-up after downtime is due
--    when it ran, not at the slot it stands for; an interval task resumed
--    on a shifted grid still has its old runs), whatever that run's outcome
--    (replay_runs replays what failed);
--  * bounded: a range holding more slots than the backfill_max_slots
--    setting is refused, before anything is created;
--  * exactly once per slot: backfills of one task take turns (an advisory
--    lock, so the second sees the first's runs), and a unique index on
--    (task_id, scheduled_time) of backfill runs makes a duplicate
--    impossible whatever else happens.
-- The runs are queued (triggered_by backfill, due at their slot, so
-- {{run.scheduled_time}} is the slot) and the dispatcher is woken at once;
-- the overlap policy takes them one at a time, oldest first, unless it
-- allows overlap.
create or replace function scheduler.backfill(
  p_task_id uuid,
  p_from timestamptz,
  p_to timestamptz,
  p_preview boolean default true,
  p_now timestamptz default now()
) returns table (slot timestamptz, run_id uuid)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_task scheduler.tasks;
  v_max integer := coalesce((scheduler_internal.setting('backfill_max_slots') #>> '{}')::integer, 1000);
  v_to timestamptz;
  v_slots timestamptz[];
  v_after_last timestamptz;
begin
  select * into v_task from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_task.id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'backfill: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'backfill: you may not backfill task "%" (its owner, editors and admins may)', v_task.name
      using errcode = '42501';
  end if;
  if p_from is null or p_to is null then
    raise exception 'backfill: p_from and p_to are required (the range of due times to fill)' using errcode = '22023';
  end if;
  if not (isfinite(p_from) and isfinite(p_to)) then
    raise exception 'backfill: p_from and p_to must be finite times, got % and %', p_from, p_to using errcode = '22023';
  end if;
  if p_from > p_to then
    raise exception 'backfill: p_from (%) is after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  if p_preview is null then
    raise exception 'backfill: p_preview must be true (return the slots) or false (create their runs)' using errcode = '22023';
  end if;
  if num_nonnulls(v_task.schedule_cron, v_task.schedule_interval, v_task.run_at) = 0 then
    raise exception 'backfill: p_task_id: task "%" has no schedule (schedule_cron, schedule_interval or run_at) to backfill', v_task.name
      using errcode = '22023';
  end if;

  if not p_preview then
    -- one backfill of a task at a time: the next one sees these runs
    perform pg_advisory_xact_lock(hashtextextended('scheduler.backfill:' || p_task_id::text, 0));
  end if;

  v_to := least(p_to, p_now);
  if v_task.is_active and v_task.next_run_at is not null then
    v_to := least(v_to, v_task.next_run_at - interval '1 microsecond');
  end if;
  v_slots := array(
    select s from scheduler_internal.schedule_slots(v_task.schedule_cron, v_task.schedule_interval, v_task.run_at,
      v_task.timezone, v_task.next_run_at, p_from, v_to, v_max + 1) s);
  if cardinality(v_slots) > v_max then
    raise exception 'backfill: the range from % to % holds more than % slots of task "%" (the backfill_max_slots setting); backfill a shorter range (p_from, p_to)',
      p_from, p_to, v_max, v_task.name using errcode = '22023';
  end if;
  if cardinality(v_slots) = 0 then
    return;
  end if;
  v_after_last := coalesce(scheduler_internal.next_due_time(v_task.schedule_cron, v_task.schedule_interval, null, v_task.timezone,
    v_slots[cardinality(v_slots)]), 'infinity');

  -- a new statement, so a backfill that waited above sees the other's runs
  return query
  with slots as (
    select s.due, coalesce(lead(s.due) over (order by s.due), v_after_last) as until
    from unnest(v_slots) as s(due)
  ),
  open_slots as (
    select s.due from slots s
    where not exists (
      select 1 from scheduler.task_runs r
      where r.task_id = p_task_id and r.scheduled_time >= s.due and r.scheduled_time < s.until
        and r.triggered_by in ('schedule', 'backfill')
    )
  ),
  made as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, requested_by)
    select p_task_id, o.due, 'queued', 1, 'backfill', (select auth.uid())
    from open_slots o
    where not p_preview
    order by o.due
    on conflict (task_id, scheduled_time) where triggered_by = 'backfill' do nothing
    returning id, scheduled_time
  )
  select o.due, m.id
  from open_slots o
  left join made m on m.scheduled_time = o.due
  where p_preview or m.id is not null
  order by o.due;
end;
$$;

comment on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) is 'One run (triggered_by backfill, due at its slot) for each past slot of the task''s schedule from p_from to p_to that has no scheduled or backfill run yet; exactly once per slot, also under concurrency. p_preview (default true) returns the slots without creating runs. A range of more than backfill_max_slots (1000) slots is refused. Owners, editors and admins of the task.';

revoke execute on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) from public, anon;

grant execute on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) to authenticated, service_role;
