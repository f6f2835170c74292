create or replace function scheduler_internal.owns_project(p_project_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.projects p where p.id = p_project_id and p.user_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.owns_project(uuid) is 'Policy predicate: the caller owns the project or is an admin.';

revoke execute on function scheduler_internal.owns_project(uuid) from public, anon;

grant execute on function scheduler_internal.owns_project(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.owns_project(uuid) to authenticated;
