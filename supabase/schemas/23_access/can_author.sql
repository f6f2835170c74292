create or replace function scheduler_internal.can_author() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role in ('admin', 'user') and status = 'active'
  )
$$;

comment on function scheduler_internal.can_author() is 'Policy predicate: the caller may create things of their own (active admin or user, not viewer).';

revoke execute on function scheduler_internal.can_author() from public, anon;

grant execute on function scheduler_internal.can_author() to authenticated, service_role;

grant execute on function scheduler_internal.can_author() to authenticated;
