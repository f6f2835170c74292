create or replace function scheduler_internal.can_view_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.tasks t
    where t.id = p_task_id
      and (
        t.owner_id = (select auth.uid())
        or exists (
          select 1 from scheduler.task_permissions p
          where p.task_id = t.id and p.user_id = (select auth.uid()) and p.can_view
        )
      )
  ) or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.can_view_task(uuid) is 'Policy predicate: the caller owns the task, has it shared for viewing, or is an admin.';

revoke execute on function scheduler_internal.can_view_task(uuid) from public, anon;

grant execute on function scheduler_internal.can_view_task(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.can_view_task(uuid) to authenticated;
