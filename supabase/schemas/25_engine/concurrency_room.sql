-- how many more runs of a task may be in flight (claimed or running) under
-- its max_concurrency; two probes of the open-runs index. Called only for
-- tasks that have a max_concurrency
create or replace function scheduler_internal.concurrency_room(p_task_id uuid, p_max_concurrency integer)
returns integer
language sql stable
set search_path = ''
as $$
  select p_max_concurrency - count(*)::integer
  from scheduler.task_runs o
  where o.task_id = p_task_id and o.status in ('claimed', 'running')
$$;

comment on function scheduler_internal.concurrency_room(uuid, integer) is 'max_concurrency less the task''s runs claimed or running (0 or less: at its limit).';

revoke execute on function scheduler_internal.concurrency_room(uuid, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.concurrency_room(uuid, integer) to service_role;
