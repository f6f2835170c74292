-- one edge: the prerequisite's latest finished run matches the edge type
create or replace function scheduler_internal.edge_satisfied(p_prerequisite uuid, p_dependency_type text) returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce((
    select case p_dependency_type
      when 'success' then r.status = 'completed'
      when 'failure' then r.status = 'failed'
      else true
    end
    from scheduler.task_runs r
    where r.task_id = p_prerequisite and r.status in ('completed', 'failed')
    order by r.scheduled_time desc, r.attempt desc
    limit 1
  ), false)
$$;

comment on function scheduler_internal.edge_satisfied(uuid, text) is 'True when the prerequisite''s latest finished run matches the edge: success, failure, or always (either).';

revoke execute on function scheduler_internal.edge_satisfied(uuid, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.edge_satisfied(uuid,text) to authenticated, service_role;
