-- clear messages for bad input; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.action_type is null or new.action_type not in ('http', 'ai-prompt', 'notify') then
    raise exception 'unknown action_type "%": expected one of http, ai-prompt, notify', new.action_type
      using errcode = '22023';
  end if;
  if new.type is null or new.type not in ('scheduled', 'event', 'manual') then
    raise exception 'unknown task type "%": expected one of scheduled, event, manual', new.type
      using errcode = '22023';
  end if;
  if num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) > 1 then
    raise exception 'a task has one schedule: set only one of schedule_cron, schedule_interval or run_at'
      using errcode = '22023';
  end if;
  if new.type = 'scheduled' and num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) = 0 then
    raise exception 'a scheduled task needs schedule_cron, schedule_interval or run_at (or make it an event or manual task)'
      using errcode = '22023';
  end if;
  if new.schedule_interval is not null and new.schedule_interval < interval '1 second' then
    raise exception 'schedule_interval must be at least 1 second, got %', new.schedule_interval
      using errcode = '22023';
  end if;
  if tg_op = 'INSERT' or new.timezone is distinct from old.timezone then
    perform scheduler_internal.assert_valid_timezone(new.timezone);
  end if;
  if new.schedule_cron is not null and (tg_op = 'INSERT' or new.schedule_cron is distinct from old.schedule_cron) then
    perform scheduler.validate_cron_expression(new.schedule_cron);
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate() is 'Refuses bad task input with messages that say what to fix.';
