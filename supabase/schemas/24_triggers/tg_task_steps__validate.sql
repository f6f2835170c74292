create or replace function scheduler_internal.tg_task_steps__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.step_order is null or new.step_order <= 0 then
    raise exception 'step_order must be a positive integer, got %', coalesce(new.step_order::text, 'null')
      using errcode = '23514';
  end if;
  return new;
end;
$$;

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_task_steps__validate() from public, anon, authenticated;
