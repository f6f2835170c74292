-- the next p_count due times of a task after p_after, as Trigger.dev's
-- upcoming[] gives them, with the wall-clock time in the task's timezone.
-- What is true, not what the schedule would say: a paused task has none
-- (resuming continues from the next due time after the resume), a one-off
-- has its one time until it has run, and a task without a schedule (event,
-- manual) has none. An interval task's times follow its next due time.
-- It runs as the caller: a task they cannot see is one that does not exist.
create or replace function scheduler.upcoming_runs(
  p_task_id uuid, p_count integer default 10, p_after timestamptz default now()
) returns table (due_at timestamptz, local_time timestamp, timezone text)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_task record;
begin
  if p_count is null or p_count not between 1 and 100 then
    raise exception 'upcoming_runs: p_count must be between 1 and 100, got %', coalesce(p_count::text, 'null')
      using errcode = '22023';
  end if;
  if p_after is null or not isfinite(p_after) then
    raise exception 'upcoming_runs: p_after must be a finite time, got %', coalesce(p_after::text, 'null') using errcode = '22023';
  end if;
  select t.id, t.is_active, t.schedule_cron, t.schedule_interval, t.run_at, t.timezone, t.next_run_at into v_task
  from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_task.id is null then
    raise exception 'upcoming_runs: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not v_task.is_active then
    return;
  end if;
  return query
  select s, (s at time zone v_task.timezone)::timestamp, v_task.timezone
  from scheduler_internal.schedule_slots(
    v_task.schedule_cron, v_task.schedule_interval,
    -- a one-off that has run has no next due time any more
    case when v_task.next_run_at is not null then v_task.run_at end,
    v_task.timezone, v_task.next_run_at, p_after + interval '1 microsecond', 'infinity', p_count) s;
end;
$$;

comment on function scheduler.upcoming_runs(uuid, integer, timestamptz) is 'The next p_count (1 to 100, default 10) due times of a task after p_after, with their wall-clock time in the task''s timezone. None for a paused task or one without a schedule; a one-off''s single time until it has run. Anyone who can see the task.';

revoke execute on function scheduler.upcoming_runs(uuid, integer, timestamptz) from public, anon;

grant execute on function scheduler.upcoming_runs(uuid, integer, timestamptz) to authenticated, service_role;
