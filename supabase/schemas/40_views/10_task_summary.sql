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

revoke all on table scheduler.task_summary from anon, authenticated, service_role;

grant select on table scheduler.task_summary to authenticated, service_role;
