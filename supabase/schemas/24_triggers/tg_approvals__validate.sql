create or replace function scheduler_internal.tg_approvals__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.approved_by is not null and new.rejected_by is not null then
    raise exception 'an approval cannot be both approved and rejected'
      using errcode = '23514';
  end if;
  return new;
end;
$$;

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_approvals__validate() from public, anon, authenticated;
