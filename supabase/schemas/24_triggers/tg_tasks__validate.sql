-- clear messages for bad input; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.action_type is null or new.action_type not in ('http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'watch') then
    raise exception 'unknown action_type "%": expected one of http, ai-prompt, notify, sql, edge-function, watch', new.action_type
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
  -- every claim carries these to the action: bounded, so one row cannot slow
  -- or break the batch it is claimed in
  if length(new.description) > 10000 then
    raise exception 'description: is % characters; the limit is 10000', length(new.description) using errcode = '22023';
  end if;
  if cardinality(new.tags) > 100 or exists (select 1 from unnest(new.tags) g where g is null or length(g) not between 1 and 100) then
    raise exception 'tags: at most 100, each 1 to 100 characters (got %)', cardinality(new.tags) using errcode = '22023';
  end if;
  if cardinality(new.acceptance_criteria) > 100
     or exists (select 1 from unnest(new.acceptance_criteria) c where c is null or length(c) > 2000) then
    raise exception 'acceptance_criteria: at most 100, each up to 2000 characters (got %)', cardinality(new.acceptance_criteria) using errcode = '22023';
  end if;
  if jsonb_typeof(new.metadata) is distinct from 'object' then
    raise exception 'metadata: must be a JSON object, got %', coalesce(jsonb_typeof(new.metadata), 'null') using errcode = '22023';
  end if;
  if jsonb_typeof(new.constraints) is distinct from 'object' then
    raise exception 'constraints: must be a JSON object, got %', coalesce(jsonb_typeof(new.constraints), 'null') using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('metadata', new.metadata, 65536) is not null
     or scheduler_internal.json_size_error('constraints', new.constraints, 65536) is not null then
    raise exception '%', coalesce(scheduler_internal.json_size_error('metadata', new.metadata, 65536),
      scheduler_internal.json_size_error('constraints', new.constraints, 65536)) using errcode = '22023';
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

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__validate() from public, anon, authenticated;
