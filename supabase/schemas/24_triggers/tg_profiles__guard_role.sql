-- profiles: email mirrors auth.users (the notify action and admins trust it),
-- so it joins role and status as columns only admins and service work change
create or replace function scheduler_internal.tg_profiles__guard_role() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.role is distinct from old.role or new.status is distinct from old.status
      or new.id is distinct from old.id or new.email is distinct from old.email)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a profile''s role, status or email'
      using errcode = '42501',
            hint = 'a user changes their email through Supabase Auth; the profile follows';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_profiles__guard_role() is 'Stops users from raising their own role or status, or from changing the email their profile mirrors from auth.users.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_profiles__guard_role() from public, anon, authenticated;
