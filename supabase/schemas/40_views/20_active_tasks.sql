create or replace view scheduler.active_tasks with (security_invoker = true) as
select
  t.id as task_id,
  t.name,
  t.owner_id,
  p.name as project_name,
  r.id as run_id,
  r.status,
  r.attempt,
  r.scheduled_time,
  r.locked_at,
  r.locked_by,
  r.lease_expires_at,
  (r.status = 'running' and r.lease_expires_at > now()) as is_actively_locked
from scheduler.task_runs r
join scheduler.tasks t on t.id = r.task_id
left join scheduler.projects p on p.id = t.project_id
where r.status in ('queued', 'awaiting_approval', 'claimed', 'running')
order by r.locked_at desc nulls last;

comment on view scheduler.active_tasks is 'Runs waiting, claimed or running, with their lease (seed 001 active_tasks); is_actively_locked only for started runs.';

revoke all on table scheduler.active_tasks from anon, authenticated, service_role;

grant select on table scheduler.active_tasks to authenticated, service_role;
