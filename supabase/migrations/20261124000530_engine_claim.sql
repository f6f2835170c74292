-- claiming: one statement per batch turns due tasks into runs and takes
-- queued runs, under FOR UPDATE SKIP LOCKED, so concurrent dispatchers never
-- get the same run.

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

-- what the dispatcher needs to execute a run
create or replace function scheduler_internal.run_envelope(p_run scheduler.task_runs, p_task scheduler.tasks) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_task.id,
    'name', p_task.name,
    'owner_id', p_task.owner_id,
    'timezone', p_task.timezone,
    'tags', to_jsonb(p_task.tags),
    'priority', p_task.priority,
    'max_attempts', p_task.max_attempts,
    'metadata', p_task.metadata,
    'signing_secret', (select s.secret from scheduler_internal.signing_secrets s where s.user_id = p_task.owner_id)
  )
$$;
revoke execute on function scheduler_internal.run_envelope(scheduler.task_runs, scheduler.tasks) from public, anon, authenticated;

create or replace function scheduler.claim_due_runs(
  p_limit integer default 100,
  p_now timestamptz default now(),
  p_lookahead interval default interval '0',
  p_worker text default 'dispatcher',
  p_lease interval default null
) returns table (
  run_id uuid,
  task_id uuid,
  attempt integer,
  scheduled_time timestamptz,
  triggered_by text,
  lease_expires_at timestamptz,
  action_type text,
  action_payload jsonb,
  timeout_seconds integer,
  inputs jsonb,
  task jsonb,
  steps jsonb
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce(p_lease, (scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '2 minutes');
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  update scheduler_internal.dispatcher_heartbeat set last_tick_at = p_now;

  -- owners of due http tasks get their signing secret before the envelope reads it
  insert into scheduler_internal.signing_secrets (user_id)
  select distinct t.owner_id from scheduler.tasks t
  where t.is_active and t.deleted_at is null and t.next_run_at <= p_now + p_lookahead and t.action_type = 'http'
  on conflict (user_id) do nothing;

  return query
  with due as (
    select t.*
    from scheduler.tasks t
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + p_lookahead
      and scheduler_internal.dependencies_satisfied(t.id)
    order by t.priority desc, t.next_run_at
    limit p_limit
    for update of t skip locked
  ),
  planned as (
    select
      d.*,
      d.next_run_at < p_now - v_grace as missed,
      exists (
        select 1 from scheduler.task_runs r
        where r.task_id = d.id and r.status in ('queued', 'running', 'awaiting_approval')
      ) as busy,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone,
        case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end) as following
    from due d
  ),
  decided as (
    select
      p.*,
      case
        when p.missed and p.misfire_policy = 'skip' then 'skipped'
        when p.busy and p.overlap_policy = 'skip' then 'skipped'
        when p.requires_approval then 'awaiting_approval'
        when p.busy and p.overlap_policy = 'queue' then 'queued'
        else 'running'
      end::scheduler.run_status as run_state,
      case when p.missed then p_now else p.next_run_at end as due_at
    from planned p
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following
    from decided d
    where t.id = d.id
    returning t.id
  ),
  created as (
    insert into scheduler.task_runs (
      task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, locked_at, locked_by, lease_expires_at
    )
    select
      d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case
        when d.run_state = 'skipped' and d.missed then 'skipped: missed while the scheduler was down (misfire_policy skip)'
        when d.run_state = 'skipped' then 'skipped: the previous run was still going (overlap_policy skip)'
      end,
      case when d.run_state = 'running' then p_now end,
      case when d.run_state = 'running' then p_worker end,
      case when d.run_state = 'running' then greatest(d.due_at, p_now) + make_interval(secs => d.timeout_seconds) + v_margin end
    from decided d
    returning *
  ),
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select c.task_id, c.id, d.action_type, jsonb_build_object('scheduled_time', c.scheduled_time, 'task_name', d.name), 'system', p_now + d.approval_ttl
    from created c join decided d on d.id = c.task_id
    where c.status = 'awaiting_approval'
    returning id, task_id, run_id
  ),
  approval_notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select d.owner_id, 'Approval needed: ' || d.name,
      'A run of "' || d.name || '" is waiting for your approval.', 'approval', 'high', 'web', a.task_id, a.run_id,
      jsonb_build_object('approval_id', a.id)
    from approvals a join decided d on d.id = a.task_id
    returning id
  ),
  waiting as (
    select r.id
    from scheduler.task_runs r
    join scheduler.tasks t on t.id = r.task_id
    where r.status = 'queued'
      and r.scheduled_time <= p_now + p_lookahead
      and t.deleted_at is null
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o where o.task_id = r.task_id and o.status = 'running'
      ))
    order by t.priority desc, r.scheduled_time
    limit p_limit
    for update of r skip locked
  ),
  taken as (
    update scheduler.task_runs r
    set status = 'running', locked_at = p_now, locked_by = p_worker,
        lease_expires_at = greatest(r.scheduled_time, p_now) + make_interval(secs => t.timeout_seconds) + v_margin
    from waiting w, scheduler.tasks t
    where r.id = w.id and t.id = r.task_id
    returning r.*
  ),
  running as (
    select c.* from created c where c.status = 'running'
    union all
    select k.* from taken k
  )
  select
    r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    t.action_type, t.action_payload, t.timeout_seconds, r.inputs,
    scheduler_internal.run_envelope(r, t),
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = t.id
    ), '[]'::jsonb)
  from running r
  join scheduler.tasks t on t.id = r.task_id
  order by t.priority desc, r.scheduled_time;
end;
$$;
comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role: turns due tasks into runs (dependencies, overlap, misfire, approval rules applied) and claims queued runs due within p_lookahead, with a lease; returns what the dispatcher executes. Safe under concurrency (SKIP LOCKED).';
revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;
grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;
