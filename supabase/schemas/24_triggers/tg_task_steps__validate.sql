create or replace function scheduler_internal.tg_task_steps__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.step_order is null or new.step_order <= 0 then
    raise exception 'step_order must be a positive integer, got %', coalesce(new.step_order::text, 'null')
      using errcode = '23514';
  end if;
  -- the same names as the payload's allowed_tools (shared/contract.ts mcpToolName)
  if new.allowed_tools is not null and (cardinality(new.allowed_tools) > 100
     or exists (select 1 from unnest(new.allowed_tools) t where t is null or t !~ '^[A-Za-z0-9_-]{1,64}$')) then
    raise exception 'allowed_tools: must be at most 100 tool names (letters, digits, _ and -, at most 64)' using errcode = '22023';
  end if;
  return new;
end;
$$;

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_task_steps__validate() from public, anon, authenticated;
