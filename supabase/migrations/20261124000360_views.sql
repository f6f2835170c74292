-- views from seeds 001 and 004, all security_invoker so they show each user
-- only what the underlying policies let them see.

create view scheduler.task_summary with (security_invoker = true) as
select
  t.id,
  t.name,
  t.owner_id,
  t.project_id,
  t.priority,
  t.tags,
  t.is_active,
  t.action_type,
  t.next_run_at,
  t.last_run_at,
  t.created_at,
  t.updated_at,
  last_run.status as last_run_status,
  coalesce(stats.runs_total, 0) as runs_total,
  coalesce(stats.runs_failed, 0) as runs_failed,
  coalesce(appr.pending, 0) as approval_requests,
  coalesce(art.artifact_count, 0) as artifact_count,
  cardinality(t.acceptance_criteria) as total_criteria,
  case
    when not t.is_active or t.next_run_at is null then 'idle'
    when t.next_run_at < now() - interval '2 minutes' then 'overdue'
    when t.next_run_at <= now() + interval '1 day' then 'due_soon'
    else 'on_track'
  end as urgency_status
from scheduler.tasks t
left join lateral (
  select r.status from scheduler.task_runs r
  where r.task_id = t.id order by r.scheduled_time desc, r.attempt desc limit 1
) last_run on true
left join lateral (
  select count(*) as runs_total, count(*) filter (where r.status = 'failed') as runs_failed
  from scheduler.task_runs r where r.task_id = t.id
) stats on true
left join lateral (
  select count(*) as pending from scheduler.approvals a where a.task_id = t.id and a.status = 'pending'
) appr on true
left join lateral (
  select count(*) as artifact_count from scheduler.artifacts a where a.task_id = t.id
) art on true
where t.deleted_at is null;
comment on view scheduler.task_summary is 'One row per task: last run status, run counts, pending approvals, artifacts, criteria and urgency (seed 004 task_summary, seed 001 task_progress).';

create view scheduler.active_tasks with (security_invoker = true) as
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
where r.status in ('queued', 'awaiting_approval', 'running')
order by r.locked_at desc nulls last;
comment on view scheduler.active_tasks is 'Runs in flight or waiting, with their lease (seed 001 active_tasks).';

create view scheduler.recent_events with (security_invoker = true) as
select e.*, p.name as project_name, t.name as task_name
from scheduler.events e
left join scheduler.projects p on p.id = e.project_id
left join scheduler.tasks t on t.id = e.task_id
order by e.created_at desc;
comment on view scheduler.recent_events is 'Events with project and task names, newest first (seed 001).';

create view scheduler.daily_activity with (security_invoker = true) as
select
  date_trunc('day', r.scheduled_time)::date as activity_date,
  'run'::text as source,
  r.status::text as level,
  count(*) as event_count,
  string_agg(distinct t.action_type, ', ') as modules_affected
from scheduler.task_runs r
join scheduler.tasks t on t.id = r.task_id
where r.scheduled_time >= current_date - interval '30 days'
group by 1, 3
union all
select
  date_trunc('day', l.created_at)::date,
  'log',
  l.level,
  count(*),
  string_agg(distinct l.module, ', ')
from scheduler.system_logs l
where l.created_at >= current_date - interval '30 days'
group by 1, 3;
comment on view scheduler.daily_activity is 'Runs per status and logs per level, per day, over the last 30 days (seed 004).';

revoke all on scheduler.task_summary, scheduler.active_tasks, scheduler.recent_events, scheduler.daily_activity from anon;
