-- The two SQL changes bench/NOTES.md (round 5) proposes for what the kill
-- test found, as `create or replace` of the functions of migration
-- 20261124000910_dispatch_at_the_second.sql with only these lines changed.
-- Not a migration: the SQL layout is being rewritten, and these are for
-- measuring the changes (`npm run bench -- kill --apply bench/proposed/kill-test-fixes.sql`).
--
-- 1. scheduler.claim_due_runs, step `waiting`: a later occurrence claimed
--    ahead no longer holds back an earlier queued run (a given-back run or a
--    retry of a task due more often than the lookahead was never claimed again):
--      - and (o.status in ('claimed', 'running')
--      + and (o.status = 'running'
--      +      or (o.status = 'claimed' and o.scheduled_time <= r.scheduled_time)
-- 2. scheduler.start_runs: a retry that meets a running run of its task waits
--    in the queue instead of being skipped, and only scheduled occurrences are
--    folded into an earlier skip (a folded retry's row was deleted):
--      + when j.overlapping and j.triggered_by = 'retry' then 'queued'
--      + when j.overlapping and j.triggered_by = 'retry' then 'queued: a retry waits for the running run of its task'
--      - as x(run_id uuid, task_id uuid, scheduled_time timestamptz, outcome text, message text)
--      - where x.outcome = 'skipped'
--      + as x(run_id uuid, task_id uuid, scheduled_time timestamptz, triggered_by text, outcome text, message text)
--      + where x.outcome = 'skipped' and x.triggered_by = 'schedule'

create or replace function scheduler.claim_due_runs(
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
          and (o.status = 'running'
               or (o.status = 'claimed' and o.scheduled_time <= r.scheduled_time)
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
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type = 'http'
  order by r.scheduled_time, r.priority desc;
end;
$$;
create or replace function scheduler.start_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns table (run_id uuid, outcome text, message text)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '2 minutes');
  v_decided jsonb;
  v_skip record;
  v_into uuid;
begin
  if p_run_ids is null or p_worker is null then
    raise exception 'start_runs: p_run_ids and p_worker are required' using errcode = '22023';
  end if;
  -- two gates starting runs of one task at the same second would both see
  -- nothing running: the tasks that judge overlap are taken one gate at a
  -- time (in id order, so gates never wait on each other in a circle)
  -- (each run's task is one primary-key probe, whatever the statistics say)
  perform pg_advisory_xact_lock(hashtextextended('scheduler.start_runs:' || x.task_id::text, 0))
  from (
    select distinct r.task_id
    from scheduler.task_runs r
    cross join lateral (select t.overlap_policy from scheduler.tasks t where t.id = r.task_id offset 0) t
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker and t.overlap_policy <> 'allow'
    order by r.task_id
  ) x;

  -- a new statement, so a gate that waited above sees the other's starts
  with locked as (
    select r.id, r.task_id, r.scheduled_time, r.triggered_by
    from scheduler.task_runs r
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker
    for update of r
  ),
  asked as (
    select l.*, t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy,
      row_number() over (partition by l.task_id order by l.scheduled_time, l.id) as nth
    from locked l
    cross join lateral (
      select t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy
      from scheduler.tasks t where t.id = l.task_id offset 0
    ) t
  ),
  judged as (
    select a.*,
      -- what is running now: a started run of the task, or an earlier run of
      -- this same call (which starts first)
      (a.nth > 1 or exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'running'
      )) as overlapping,
      exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'queued'
      ) as one_waiting,
      -- lateness is the scheduler's, not a person's: a run someone approved
      -- late runs when approved
      a.triggered_by = 'schedule' and p_now > a.scheduled_time + v_grace and a.misfire_policy = 'skip'
        and not exists (select 1 from scheduler.approvals ap where ap.run_id = a.id and ap.status = 'approved') as too_late,
      a.deleted_at is null and (a.is_active or a.triggered_by = 'manual') as allowed
    from asked a
  )
  select jsonb_agg(jsonb_build_object(
    'run_id', j.id, 'task_id', j.task_id, 'scheduled_time', j.scheduled_time, 'triggered_by', j.triggered_by,
    'outcome', case
      when not j.allowed then 'cancelled'
      when j.too_late then 'skipped'
      when j.overlapping and j.triggered_by = 'retry' then 'queued'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued'
      else 'started'
    end,
    'message', case
      when j.deleted_at is not null then 'cancelled: the task was deleted before this run started'
      when not j.allowed then 'cancelled: the task was paused before this run started'
      when j.too_late then
        'skipped: it could start only ' || date_trunc('second', p_now - j.scheduled_time) || ' after its due time, later than misfire_grace (misfire_policy skip)'
      when j.overlapping and j.triggered_by = 'retry' then 'queued: a retry waits for the running run of its task'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped: the previous run was still going (overlap_policy skip)'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then
        'skipped: a run was already waiting behind the running one (overlap_policy queue)'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued behind the running run (overlap_policy queue)'
    end))
  into v_decided
  from judged j;

  if v_decided is null then
    v_decided := '[]'::jsonb;
  end if;

  with decided as (
    select * from jsonb_to_recordset(v_decided) as x(
      run_id uuid, task_id uuid, scheduled_time timestamptz, triggered_by text, outcome text, message text)
  ),
  started as (
    update scheduler.task_runs r
    set status = 'running', start_time = p_now,
        lease_expires_at = p_now + make_interval(secs => t.timeout_seconds) + v_margin
    from decided x
    cross join lateral (select t.timeout_seconds from scheduler.tasks t where t.id = x.task_id offset 0) t
    where r.id = x.run_id and x.outcome = 'started'
  ),
  requeued as (
    update scheduler.task_runs r
    set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
    from decided x
    where r.id = x.run_id and x.outcome = 'queued'
  ),
  ended as (
    update scheduler.task_runs r
    set status = x.outcome::scheduler.run_status, start_time = p_now, end_time = p_now, lease_expires_at = null,
        error_message = x.message,
        log_summary = case when x.outcome = 'skipped'
          then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', x.scheduled_time) end
    from decided x
    where r.id = x.run_id and x.outcome in ('cancelled', 'skipped')
  )
  -- manual, event, retry and dependency runs move last_run_at here (the
  -- claim moves it for scheduled runs, under the lock it already holds)
  update scheduler.tasks t
  set last_run_at = greatest(t.last_run_at, p_now)
  where t.id = any (array(
    select x.task_id from decided x where x.outcome = 'started' and x.triggered_by <> 'schedule'));

  -- a run of skips in a row is one row: each further skip with the same
  -- reason folds into the task's latest run when that is such a skip (a
  -- sub-minute task behind a slow run would otherwise write a row per
  -- occurrence). Only skips take this path, rarely more than one a call.
  for v_skip in
    select x.run_id, x.task_id, x.scheduled_time, x.message
    from jsonb_to_recordset(v_decided) as x(run_id uuid, task_id uuid, scheduled_time timestamptz, triggered_by text, outcome text, message text)
    where x.outcome = 'skipped' and x.triggered_by = 'schedule'
    order by x.scheduled_time
  loop
    v_into := null;
    select p.id into v_into
    from (
      select r.id, r.status, r.error_message from scheduler.task_runs r
      where r.task_id = v_skip.task_id and r.id <> v_skip.run_id and r.scheduled_time <= v_skip.scheduled_time
        and r.status not in ('queued', 'awaiting_approval', 'claimed')
      order by r.scheduled_time desc, r.id desc
      limit 1
    ) p
    where p.status = 'skipped' and p.error_message = v_skip.message;
    if v_into is not null then
      update scheduler.task_runs r
      set log_summary = jsonb_build_object(
            'skipped_occurrences', coalesce((r.log_summary ->> 'skipped_occurrences')::integer, 1) + 1,
            'last_scheduled_time', v_skip.scheduled_time),
          end_time = p_now
      where r.id = v_into;
      delete from scheduler.task_runs r where r.id = v_skip.run_id;
      v_decided := (
        select jsonb_agg(case when e ->> 'run_id' = v_skip.run_id::text
          then e || jsonb_build_object('message', (e ->> 'message') || ' (counted on run ' || v_into || ')') else e end)
        from jsonb_array_elements(v_decided) e);
    end if;
  end loop;

  -- a run this worker already started answers started again: a gate call
  -- whose answer was lost is repeated, and the runs it started must still be
  -- executed (only this worker, which did not get the answer, can)
  return query
  select a.id,
    coalesce(x.outcome, case when again.id is not null then 'started' else 'not_claimed' end),
    coalesce(x.message, case
      when again.id is not null then 'already started by ' || p_worker || ' (the gate was asked again)'
      when x.run_id is null then 'not claimed by ' || p_worker || ' any more (cancelled, given back or finished)' end)
  from unnest(p_run_ids) as a(id)
  left join jsonb_to_recordset(v_decided) as x(run_id uuid, outcome text, message text) on x.run_id = a.id
  left join lateral (
    select r.id from scheduler.task_runs r
    where x.run_id is null and r.id = a.id and r.status = 'running' and r.locked_by = p_worker
  ) again on true;
end;
$$;
