-- resuming keeps the schedule: what fell due while paused is not a misfire
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
     or new.timezone is distinct from old.timezone
     or (new.is_active and not old.is_active) then
    -- a one-off in the past still runs once (as a catch-up) unless misfires are skipped
    new.next_run_at := case
      when new.run_at is not null and new.run_at <= v_now and new.misfire_policy = 'run_once' then new.run_at
      else scheduler_internal.next_due_time(new.schedule_cron, new.schedule_interval, new.run_at, new.timezone, v_now)
    end;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__schedule() is 'Computes next_run_at on insert, schedule changes and resume (resuming continues from the next due time; a past one-off runs once under misfire_policy run_once).';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__schedule() from public, anon, authenticated;
