-- predicate helpers: security definer so policies can read profiles without
-- recursing into profiles' own policies
create or replace function scheduler_internal.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role = 'admin' and status = 'active'
  )
$$;

comment on function scheduler_internal.is_admin() is 'Policy predicate: the caller is an active admin.';

revoke execute on function scheduler_internal.is_admin() from public, anon;

grant execute on function scheduler_internal.is_admin() to authenticated, service_role;

grant execute on function scheduler_internal.is_admin() to authenticated;
