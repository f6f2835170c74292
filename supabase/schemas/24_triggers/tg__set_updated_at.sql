create or replace function scheduler_internal.tg__set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

comment on function scheduler_internal.tg__set_updated_at() is 'Shared before-update trigger: stamps updated_at on every mutable table.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__set_updated_at() from public, anon, authenticated;
