create or replace function scheduler_internal.owns_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.tasks t where t.id = p_task_id and t.owner_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.owns_task(uuid) is 'Policy predicate: the caller owns the task or is an admin (sharing is theirs to manage).';

revoke execute on function scheduler_internal.owns_task(uuid) from public, anon;

grant execute on function scheduler_internal.owns_task(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.owns_task(uuid) to authenticated;
