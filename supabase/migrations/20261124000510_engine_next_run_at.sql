-- next_run_at: kept by a trigger when a task is created, its schedule changes
-- or it is resumed. claim_due_runs advances it atomically when it claims.

-- the next due time strictly after p_after, by the task's schedule
create or replace function scheduler_internal.next_due_time(
  p_schedule_cron text, p_schedule_interval interval, p_run_at timestamptz, p_timezone text, p_after timestamptz
) returns timestamptz
language sql stable
set search_path = ''
as $$
  select case
    when p_schedule_cron is not null then scheduler.next_cron_time(p_schedule_cron, p_timezone, p_after)
    when p_schedule_interval is not null then p_after + p_schedule_interval
    when p_run_at is not null and p_run_at > p_after then p_run_at
  end
$$;
comment on function scheduler_internal.next_due_time(text, interval, timestamptz, text, timestamptz) is 'Next due instant strictly after p_after for a cron, interval or one-off schedule (null when none is left).';

create or replace function scheduler_internal.tg_tasks__schedule() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
begin
  if tg_op = 'INSERT'
     or new.schedule_cron is distinct from old.schedule_cron
     or new.schedule_interval is distinct from old.schedule_interval
     or new.run_at is distinct from old.run_at
     or new.timezone is distinct from old.timezone then
    -- a one-off in the past still runs once (as a catch-up) unless misfires are skipped
    new.next_run_at := case
      when new.run_at is not null and new.run_at <= v_now and new.misfire_policy = 'run_once' then new.run_at
      else scheduler_internal.next_due_time(new.schedule_cron, new.schedule_interval, new.run_at, new.timezone, v_now)
    end;
  elsif new.is_active and not old.is_active and new.next_run_at is not null and new.next_run_at < v_now
        and new.misfire_policy = 'skip' then
    -- resuming: the schedule is kept; what was missed while paused is skipped
    new.next_run_at := scheduler_internal.next_due_time(new.schedule_cron, new.schedule_interval, new.run_at, new.timezone, v_now);
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_tasks__schedule() is 'Computes next_run_at on insert and schedule changes; on resume, skips missed times for misfire_policy skip.';

create trigger _030_schedule before insert or update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__schedule();
