create view scheduler.recent_events with (security_invoker = true) as
select e.*, p.name as project_name, t.name as task_name
from scheduler.events e
left join scheduler.projects p on p.id = e.project_id
left join scheduler.tasks t on t.id = e.task_id
order by e.created_at desc;

comment on view scheduler.recent_events is 'Events with project and task names, newest first (seed 001).';

revoke all on table scheduler.recent_events from anon, authenticated, service_role;

grant select on table scheduler.recent_events to authenticated, service_role;
