-- the claim and the completion no longer depend on table statistics being
-- current. When a table is emptied, vacuum records it as 0 rows but cannot
-- always give its pages back, and until autovacuum next analyzes it the
-- planner takes every row later inserted for none: tasks "has 1 row". A burst
-- of 10,000 new tasks in that minute (measured in bench/, fan-out) then ran
-- each claim of 500 for 4-6 s and each completion of 250 for 0.5-1.7 s,
-- instead of about 50 ms: the batch was joined back to tasks by id as nested
-- loops with the whole table outside and the batch rescanned inside, and the
-- locked candidates were found again through the due-tasks index once per
-- candidate.
--
-- So the joins now go from the batch to the rows, whatever the estimates:
--  * claim: candidates are found again by their row address (ctid) and the
--    locked tasks are advanced by it (a TID scan per row; nobody else can move
--    a row we hold locked); a queued run's task is one primary-key probe, and
--    the queued runs taken are updated by address. The runs get their ids
--    here, so the result is built from the decided rows instead of joining
--    the inserted runs back to tasks (only held runs are joined, for their
--    approvals);
--  * completion: each finished run's task is one primary-key probe (a lateral
--    subquery that is not flattened), the tasks' last_run_at is updated
--    through the primary key from a lookup object, and dependents are probed
--    per prerequisite;
--  * the approval trigger on task_runs returns at once when a statement
--    inserted no held run, which is every claim and completion without
--    approvals.
-- The rules (dependencies, overlap, misfire, approvals, retries) and results
-- are those of 20261124000600 and 20261124000540.

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
set jit = off
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

  return query
  -- the best due tasks, a few times the batch, in a bounded top-N sort of
  -- narrow rows (locking at this level would sort every due row in full)
  with candidates as (
    select c.ctid as row_address
    from scheduler.tasks c
    where c.is_active
      and c.deleted_at is null
      and c.next_run_at <= p_now + p_lookahead
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.id)
           or scheduler_internal.dependencies_satisfied(c.id))
    order by c.priority desc, c.next_run_at
    limit p_limit * 4
  ),
  -- then lock them, found again by address; the conditions are rechecked on
  -- the row's latest version, so one another claimer advanced meanwhile is
  -- dropped (and a candidate someone else changed may wait for the next claim)
  due as (
    select t.ctid as row_address, t.*
    from candidates c
    join scheduler.tasks t on t.ctid = c.row_address
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + p_lookahead
    order by t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  planned as (
    select
      d.*,
      d.next_run_at < p_now - v_grace as missed,
      exists (
        select 1 from scheduler.task_runs r where r.task_id = d.id and r.status = 'running'
      ) as running_now,
      exists (
        select 1 from scheduler.task_runs r where r.task_id = d.id and r.status in ('queued', 'awaiting_approval')
      ) as waiting_now,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone,
        case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end) as following
    from due d
  ),
  -- materialized: every later step must see the same generated ids
  decided as materialized (
    select
      p.*,
      case
        when p.missed and p.misfire_policy = 'skip' then 'skipped'
        when (p.running_now or p.waiting_now) and p.overlap_policy = 'skip' then 'skipped'
        -- queue: at most one run waits behind the running one
        when p.waiting_now and p.overlap_policy = 'queue' then 'skipped'
        when p.requires_approval then 'awaiting_approval'
        when p.running_now and p.overlap_policy = 'queue' then 'queued'
        else 'running'
      end::scheduler.run_status as run_state,
      case when p.missed then p_now else p.next_run_at end as due_at,
      greatest(p.next_run_at, p_now) + make_interval(secs => p.timeout_seconds) + v_margin as lease_until,
      scheduler_internal.uuid_v7() as new_run_id
    from planned p
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following
    from decided d
    where t.ctid = d.row_address
  ),
  created as (
    insert into scheduler.task_runs (
      id, task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, locked_at, locked_by, lease_expires_at
    )
    select
      d.new_run_id, d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case
        when d.run_state = 'skipped' and d.missed then 'skipped: missed while the scheduler was down (misfire_policy skip)'
        when d.run_state = 'skipped' and d.overlap_policy = 'queue' then 'skipped: a run was already waiting behind the running one (overlap_policy queue)'
        when d.run_state = 'skipped' then 'skipped: the previous run was still going (overlap_policy skip)'
      end,
      case when d.run_state = 'running' then p_now end,
      case when d.run_state = 'running' then p_worker end,
      case when d.run_state = 'running' then d.lease_until end
    from decided d
    returning id, status
  ),
  -- approvals read the inserted runs, so the runs exist when the approval's
  -- own check looks for them; both sides are only the held runs
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select d.id, d.new_run_id, d.action_type,
      jsonb_build_object('scheduled_time', d.due_at, 'task_name', d.name), 'system', p_now + d.approval_ttl
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
      greatest(r.scheduled_time, p_now) + make_interval(secs => t.timeout_seconds) + v_margin as lease_until,
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
      and r.scheduled_time <= p_now + p_lookahead
      and t.deleted_at is null
      -- unless the task allows overlap: nothing of it is running, and this is
      -- the head of its queue (concurrent claimers skip a locked head and do
      -- not take the one behind it, which they still see queued behind it)
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o
        where o.task_id = r.task_id
          and (o.status = 'running'
               or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
      ))
    order by t.priority desc, r.scheduled_time
    limit p_limit
    for update of r skip locked
  ),
  -- by address, with the task's timeout probed by key: no join for a planner
  -- to get wrong (the lease is the same expression as in waiting)
  taken as (
    update scheduler.task_runs r
    set status = 'running', locked_at = p_now, locked_by = p_worker,
        lease_expires_at = greatest(r.scheduled_time, p_now)
          + make_interval(secs => (select t.timeout_seconds from scheduler.tasks t where t.id = r.task_id)) + v_margin
    where r.ctid = any (array(select w.row_address from waiting w))
  ),
  -- what runs now: the new runs that start at once and the queued runs taken
  -- (both locked by this statement, so their values are the ones written)
  running as (
    select d.new_run_id as run_id, d.id as task_id, 1 as attempt, d.due_at as scheduled_time,
      'schedule'::text as triggered_by, d.lease_until as lease_expires_at, null::jsonb as inputs,
      d.action_type, d.action_payload, d.timeout_seconds, d.name, d.owner_id, d.timezone, d.tags,
      d.priority, d.max_attempts, d.metadata
    from decided d
    where d.run_state = 'running'
    union all
    select w.id, w.task_id, w.attempt, w.scheduled_time, w.triggered_by, w.lease_until, w.inputs,
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
    ), '[]'::jsonb)
  from running r
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type = 'http'
  order by r.priority desc, r.scheduled_time;
end;
$$;
comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role: turns due tasks into runs (dependencies, overlap, misfire, approval rules applied) and claims queued runs due within p_lookahead, with a lease; returns what the dispatcher executes. Safe under concurrency (SKIP LOCKED).';
revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;
grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;

create or replace function scheduler.complete_runs(p_results jsonb, p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
begin
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception 'complete_runs: p_results must be a JSON array of results' using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_results) e
    where e ->> 'status' is null or e ->> 'status' not in ('completed', 'failed') or e ->> 'run_id' is null
  ) then
    raise exception 'complete_runs: every result needs run_id and status completed or failed' using errcode = '22023';
  end if;

  return query
  with results as (
    select *
    from jsonb_to_recordset(p_results) as x(
      run_id uuid, status text, retryable boolean, output jsonb, log text, log_summary jsonb,
      error_message text, started_at timestamptz, ended_at timestamptz, steps jsonb
    )
  ),
  finished as (
    update scheduler.task_runs r
    set status = x.status::scheduler.run_status,
        start_time = coalesce(x.started_at, r.start_time, r.locked_at),
        end_time = greatest(coalesce(x.ended_at, p_now), coalesce(x.started_at, r.start_time, r.locked_at, p_now)),
        output = x.output,
        log = x.log,
        log_summary = x.log_summary,
        error_message = case when x.status = 'failed' then coalesce(x.error_message, 'failed without a message') end,
        lease_expires_at = null
    from results x
    where r.id = x.run_id and r.status = 'running'
    returning r.*, coalesce(x.retryable, false) as retryable, x.steps
  ),
  judged as (
    select f.*, t.owner_id, t.task_name, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds,
      (f.status = 'failed' and f.retryable and f.attempt < t.max_attempts and t.deleted_at is null) as will_retry
    from finished f
    -- one primary-key probe per finished run (offset 0 keeps it a probe)
    cross join lateral (
      select t.owner_id, t.name as task_name, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds, t.deleted_at
      from scheduler.tasks t
      where t.id = f.task_id
      offset 0
    ) t
  ),
  retries as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
    select j.task_id, p_now + scheduler_internal.retry_delay(j.id, j.attempt, j.retry_backoff_seconds, j.retry_backoff_max_seconds),
      'queued', j.attempt + 1, 'retry', j.inputs
    from judged j where j.will_retry
    returning id, task_id, attempt
  ),
  alerts as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select j.owner_id, 'Task failed: ' || j.task_name,
      coalesce(j.error_message, 'failed') || ' (attempt ' || j.attempt || ' of ' || j.max_attempts || ')',
      'error', 'high', 'web', j.task_id, j.id,
      jsonb_build_object('attempt', j.attempt, 'scheduled_time', j.scheduled_time)
    from judged j where j.status = 'failed' and not j.will_retry
  ),
  -- each task's latest end, looked up by key in one object: the batch's tasks
  -- are found through the primary key and nothing is joined, so no plan can
  -- walk the table or rescan the batch for every task
  touched as (
    update scheduler.tasks t
    set last_run_at = greatest(t.last_run_at, (e.last_end ->> t.id::text)::timestamptz)
    from (
      select jsonb_object_agg(x.task_id, x.last_end) as last_end
      from (select j.task_id, max(j.end_time) as last_end from judged j group by j.task_id) x
    ) e
    where t.id = any (array(select j.task_id from judged j))
  ),
  step_results as (
    update scheduler.task_steps s
    set status = coalesce(st.status, s.status),
        execution_result = coalesce(st.result, '{}'::jsonb),
        execution_started_at = st.started_at,
        execution_completed_at = st.ended_at,
        error_message = st.error_message,
        retry_count = coalesce(st.retry_count, 0),
        run_id = j.id
    from judged j
    cross join lateral jsonb_to_recordset(coalesce(j.steps, '[]'::jsonb)) as st(
      id uuid, status text, result jsonb, started_at timestamptz, ended_at timestamptz, error_message text, retry_count integer
    )
    where s.id = st.id and s.task_id = j.task_id
  ),
  -- dependents without a schedule of their own run when their prerequisites are
  -- satisfied; scheduled dependents simply become eligible at their next due time
  dependents as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
    select distinct d.task_id, p_now, 'queued'::scheduler.run_status, 1, 'dependency',
      jsonb_build_object('prerequisite_run_id', j.id, 'prerequisite_task_id', j.task_id)
    from judged j
    join scheduler.task_dependencies d on d.depends_on_task_id = j.task_id
    cross join lateral (
      select t.type, t.is_active, t.deleted_at from scheduler.tasks t where t.id = d.task_id offset 0
    ) t
    where not j.will_retry
      and t.type <> 'scheduled' and t.is_active and t.deleted_at is null
      and (d.dependency_type = 'always' or (d.dependency_type = 'success') = (j.status = 'completed'))
      -- the other prerequisites (this statement cannot see the run it just finished)
      and not exists (
        select 1 from scheduler.task_dependencies o
        where o.task_id = d.task_id and o.depends_on_task_id <> j.task_id
          and not scheduler_internal.edge_satisfied(o.depends_on_task_id, o.dependency_type)
      )
  )
  select x.run_id,
    case
      when j.id is null then 'ignored: the run is not running (finished, cancelled or taken back)'
      when j.will_retry then 'retry scheduled'
      else j.status::text
    end,
    rt.id
  from results x
  left join judged j on j.id = x.run_id
  left join retries rt on rt.task_id = j.task_id and rt.attempt = j.attempt + 1;
end;
$$;
comment on function scheduler.complete_runs(jsonb, timestamptz) is
  'service_role: records a batch of ActionResults (shared/contract.ts) in one statement: status, output, log, steps; retries with backoff; final-failure notifications; dependents.';
revoke execute on function scheduler.complete_runs(jsonb, timestamptz) from public, anon, authenticated;
grant execute on function scheduler.complete_runs(jsonb, timestamptz) to service_role;

create or replace function scheduler_internal.tg_task_runs__request_approvals() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- most statements hold nothing back: answer them without joining anything
  if not exists (select 1 from new_runs where status = 'awaiting_approval' and triggered_by <> 'schedule') then
    return null;
  end if;
  with held as (
    select r.run_id, r.scheduled_time, r.triggered_by, t.id as task_id, t.name, t.owner_id, t.action_type, t.approval_ttl
    from (
      select n.id as run_id, n.task_id, n.scheduled_time, n.triggered_by
      from new_runs n
      where n.status = 'awaiting_approval' and n.triggered_by <> 'schedule'
    ) r
    cross join lateral (
      select t.id, t.name, t.owner_id, t.action_type, t.approval_ttl from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
  ),
  requested as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select h.task_id, h.run_id, h.action_type,
      jsonb_build_object('scheduled_time', h.scheduled_time, 'task_name', h.name, 'triggered_by', h.triggered_by),
      'system', h.scheduled_time + h.approval_ttl
    from held h
    returning id, task_id, run_id
  )
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  select h.owner_id, 'Approval needed: ' || h.name,
    'A run of "' || h.name || '" (' || h.triggered_by || ') is waiting for your approval.', 'approval', 'high', 'web',
    a.task_id, a.run_id, jsonb_build_object('approval_id', a.id)
  from requested a join held h on h.run_id = a.run_id;
  return null;
end;
$$;
comment on function scheduler_internal.tg_task_runs__request_approvals() is 'Creates the approval and the owner''s notification for held event and dependency runs (scheduled runs get theirs from claim_due_runs).';
revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;
