create or replace function scheduler_internal.dependencies_satisfied(p_task_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select not exists (
    select 1 from scheduler.task_dependencies d
    where d.task_id = p_task_id and not scheduler_internal.edge_satisfied(d.depends_on_task_id, d.dependency_type)
  )
$$;

comment on function scheduler_internal.dependencies_satisfied(uuid) is 'True when every prerequisite''s latest finished run matches its edge: success, failure, or always.';

revoke execute on function scheduler_internal.dependencies_satisfied(uuid) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.dependencies_satisfied(uuid) to authenticated, service_role;
