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

revoke all on table scheduler.daily_activity from anon, authenticated, service_role;

grant select on table scheduler.daily_activity to authenticated, service_role;
