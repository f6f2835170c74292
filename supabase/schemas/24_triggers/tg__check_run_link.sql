create or replace function scheduler_internal.tg__check_run_link() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- security invoker on purpose: the writer already passed the task's policy,
  -- and a run of that task is visible to whoever may see the task
  if new.run_id is not null and new.task_id is not null and not exists (
    select 1 from scheduler.task_runs r where r.id = new.run_id and r.task_id = new.task_id
  ) then
    raise exception 'run_id % is not a run of task %', new.run_id, new.task_id
      using errcode = '23514',
            hint = 'point run_id at a run of the same task, or leave it null';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg__check_run_link() is 'Integrity: a row''s run_id names a run of the row''s own task_id.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__check_run_link() from public, anon, authenticated;
