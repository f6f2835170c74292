create or replace function scheduler_internal.tg_tasks__guard_ownership() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.owner_id is distinct from old.owner_id or new.created_by is distinct from old.created_by)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a task''s owner_id or created_by'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__guard_ownership() is 'owner_id and created_by default to auth.uid(); only admins (or service work) change them later.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__guard_ownership() from public, anon, authenticated;
