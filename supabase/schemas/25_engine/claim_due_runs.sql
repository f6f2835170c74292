-- The claim (docs/dispatch.md): one statement per batch turns due tasks into
-- runs and takes queued runs, under FOR UPDATE SKIP LOCKED, so concurrent
-- dispatchers never get the same run. It hands over only what is due within
-- dispatch_lookahead, as `claimed` (nothing is sent yet), and judges only
-- what cannot wait for the run's second: a scheduler that was down
-- (misfire), dependencies and approvals. Overlap, lateness, pause and cancel
-- are judged at the second by start_runs.
--  * queued runs come only from the head of each task's queue unless the
--    task allows overlap, so a retry and a queued overlap run never start
--    together;
--  * due tasks are locked `for no key update` (the claim changes only
--    next_run_at), so inserting a run for a task being claimed (run now,
--    events: their foreign key takes key share) does not wait for it;
--  * prerequisites are checked only for tasks that have any, and the hot
--    statements run with jit off (LLVM compiled each big claim for seconds);
--  * the rows it decided are found again by address and the result is built
--    from them, so plans stay the size of the batch on stale statistics
--    (bench/NOTES.md, round 3).
create function scheduler.claim_due_runs(
  p_limit integer default 100,
  p_now timestamptz default now(),
  p_lookahead interval default null,
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
  steps jsonb,
  idempotency_key text
)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_lookahead interval := coalesce(p_lookahead, scheduler_internal.dispatch_lookahead());
  v_start_grace interval := coalesce(p_lease, (scheduler_internal.setting('start_grace') #>> '{}')::interval, interval '30 seconds');
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  update scheduler_internal.dispatcher_heartbeat set last_tick_at = p_now;

  return query
  -- the best due tasks, a few times the batch, in a bounded top-N sort of
  -- narrow rows (locking at this level would sort every due row in full)
  with candidates as (
    select c.ctid as row_address
    from scheduler.tasks c
    where c.is_active
      and c.deleted_at is null
      and c.next_run_at <= p_now + v_lookahead
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.id)
           or scheduler_internal.dependencies_satisfied(c.id))
    order by c.priority desc, c.next_run_at
    limit p_limit * 4
  ),
  -- then lock them, found again by address; the conditions are rechecked on
  -- the row's latest version
  due as (
    select t.ctid as row_address, t.*
    from candidates c
    join scheduler.tasks t on t.ctid = c.row_address
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + v_lookahead
    order by t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  -- materialized: every later step must see the same generated ids.
  -- Only a due time missed while the scheduler was down is judged here; the
  -- rest waits for the run's second (start_runs)
  decided as materialized (
    select
      d.*,
      d.next_run_at < p_now - v_grace as missed,
      case
        when d.next_run_at < p_now - v_grace and d.misfire_policy = 'skip' then 'skipped'
        when d.requires_approval then 'awaiting_approval'
        else 'claimed'
      end::scheduler.run_status as run_state,
      case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end as due_at,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone,
        case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end) as following,
      scheduler_internal.uuid_v7() as new_run_id
    from due d
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following,
        last_run_at = case when d.run_state = 'skipped' then t.last_run_at else greatest(t.last_run_at, d.due_at) end
    from decided d
    where t.ctid = d.row_address
  ),
  created as (
    insert into scheduler.task_runs (
      id, task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, log_summary, locked_at, locked_by, lease_expires_at
    )
    select
      d.new_run_id, d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped'
        then 'skipped: due at ' || d.next_run_at || ', missed while the scheduler was down (misfire_policy skip)' end,
      case when d.run_state = 'skipped' then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', d.next_run_at) end,
      case when d.run_state = 'claimed' then p_now end,
      case when d.run_state = 'claimed' then p_worker end,
      case when d.run_state = 'claimed' then d.due_at + v_start_grace end
    from decided d
    returning id, status
  ),
  -- approvals read the inserted runs, so the runs exist when the approval's
  -- own check looks for them; both sides are only the held runs. They expire
  -- from the run's due time
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select d.id, d.new_run_id, d.action_type,
      jsonb_build_object('scheduled_time', d.due_at, 'task_name', d.name), 'system', d.due_at + d.approval_ttl
    from created c
    join decided d on d.new_run_id = c.id
    where c.status = 'awaiting_approval' and d.run_state = 'awaiting_approval'
    returning id, run_id
  ),
  approval_notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select d.owner_id, 'Approval needed: ' || d.name,
      'A run of "' || d.name || '" is waiting for your approval.', 'approval', 'high', 'web', d.id, d.new_run_id,
      jsonb_build_object('approval_id', a.id)
    from approvals a
    join decided d on d.new_run_id = a.run_id
    where d.run_state = 'awaiting_approval'
  ),
  waiting as (
    select r.ctid as row_address, r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.inputs,
      coalesce(r.idempotency_key, r.id::text) as idempotency_key,
      greatest(r.scheduled_time, p_now) + v_start_grace as lease_until,
      t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
      t.priority, t.max_attempts, t.metadata
    from scheduler.task_runs r
    -- one primary-key probe per queued run (offset 0 keeps it a probe)
    cross join lateral (
      select t.deleted_at, t.overlap_policy, t.timeout_seconds, t.action_type, t.action_payload, t.name,
        t.owner_id, t.timezone, t.tags, t.priority, t.max_attempts, t.metadata
      from scheduler.tasks t
      where t.id = r.task_id
      offset 0
    ) t
    where r.status = 'queued'
      and r.scheduled_time <= p_now + v_lookahead
      and t.deleted_at is null
      -- unless the task allows overlap: nothing of it is claimed or running,
      -- and this is the head of its queue
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o
        where o.task_id = r.task_id
          and (o.status in ('claimed', 'running')
               or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
      ))
    order by t.priority desc, r.scheduled_time
    limit p_limit
    for update of r skip locked
  ),
  taken as (
    update scheduler.task_runs r
    set status = 'claimed', locked_at = p_now, locked_by = p_worker,
        lease_expires_at = greatest(r.scheduled_time, p_now) + v_start_grace
    where r.ctid = any (array(select w.row_address from waiting w))
  ),
  -- what is handed over: the new claimed runs and the queued runs taken
  handed as (
    select d.new_run_id as run_id, d.id as task_id, 1 as attempt, d.due_at as scheduled_time,
      'schedule'::text as triggered_by, d.due_at + v_start_grace as lease_expires_at, null::jsonb as inputs,
      d.new_run_id::text as idempotency_key,
      d.action_type, d.action_payload, d.timeout_seconds, d.name, d.owner_id, d.timezone, d.tags,
      d.priority, d.max_attempts, d.metadata
    from decided d
    where d.run_state = 'claimed'
    union all
    select w.id, w.task_id, w.attempt, w.scheduled_time, w.triggered_by, w.lease_until, w.inputs,
      w.idempotency_key,
      w.action_type, w.action_payload, w.timeout_seconds, w.name, w.owner_id, w.timezone, w.tags,
      w.priority, w.max_attempts, w.metadata
    from waiting w
  )
  select
    r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
    jsonb_build_object(
      'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
      'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
    ),
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id
    ), '[]'::jsonb),
    r.idempotency_key
  from handed r
  -- http deliveries and watch polls are signed with the owner's secret
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type in ('http', 'watch')
  order by r.scheduled_time, r.priority desc;
end;
$$;

comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role (dispatcher): turns tasks due within p_lookahead (default: the dispatch_lookahead setting) into runs and takes due queued runs, all `claimed` by p_worker for their action to start at their second through start_runs. Applies dependencies, approvals and misfires of a stopped scheduler; SKIP LOCKED under concurrency.';

revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;

grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;
