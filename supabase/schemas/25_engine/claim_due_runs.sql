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
-- Flow control (README "Flow control"):
--  * fair share between owners: due work is ranked within each owner
--    (row_number over the owner's priority and due time) and the batch
--    takes turns, so one owner's backlog of thousands never keeps another
--    owner's due run out of the batch (Hatchet's GROUP_ROUND_ROBIN, DBOS's
--    partitioned queues). scheduler.owner_limits weighs the turns, and caps
--    an owner's runs in flight with the owner_max_in_flight setting;
--  * a task's max_concurrency (with overlap allow) and rate limit: a due
--    occurrence over max_concurrency is queued, one over the rate limit
--    skipped (folded into the previous such skip), and only as many of a
--    task's queued runs are taken as it has room for. A debounced event run
--    is taken at its second, never ahead: it gathers events until then.
--  Tasks without these columns, and owners without limits, pay for none of
--  the lookups (each is behind a CASE on the task's own columns, or a
--  one-time filter on a variable).
-- Two statements: the due tasks, then the queued runs, the second only when
-- queued runs are in reach, so a claim without any plans the first alone
-- (planning the whole was a millisecond a claim, a tenth of the needle's;
-- bench/RESULTS.md, flow control). The second sees what the first claimed.
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
  v_cap_setting jsonb := scheduler_internal.setting('owner_max_in_flight');
  v_owner_cap integer;
  v_capped boolean;
  -- per owner, read once a claim: weights other than 1, and the room left
  -- under each cap ({owner_id: n}); null when no owner has one
  v_weights jsonb;
  v_rooms jsonb;
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  if v_cap_setting is not null and jsonb_typeof(v_cap_setting) <> 'null' then
    if jsonb_typeof(v_cap_setting) <> 'number' or (v_cap_setting #>> '{}')::numeric < 1
       or (v_cap_setting #>> '{}')::numeric <> trunc((v_cap_setting #>> '{}')::numeric) then
      raise exception 'owner_max_in_flight setting: must be a whole number of at least 1, or null for no cap; got %', v_cap_setting
        using errcode = '22023';
    end if;
    v_owner_cap := (v_cap_setting #>> '{}')::integer;
  end if;
  select jsonb_object_agg(l.owner_id, l.weight) filter (where l.weight <> 1), bool_or(l.max_in_flight is not null)
  into v_weights, v_capped
  from scheduler.owner_limits l;
  v_capped := v_owner_cap is not null or coalesce(v_capped, false);
  if v_capped then
    v_rooms := scheduler_internal.owner_rooms(v_owner_cap);
  end if;
  -- the dead-man check's beat, taken only when no other claim holds it: one
  -- row that every claimer writes made each claim wait for the one before
  -- it to commit, so concurrent dispatchers claimed one at a time (the
  -- claim holding it beats for both)
  update scheduler_internal.dispatcher_heartbeat h set last_tick_at = p_now
  where h.id = (select b.id from scheduler_internal.dispatcher_heartbeat b for update skip locked);

  return query
  -- every due task, ranked within its owner: narrow rows, one sort (ties
  -- are left in any order: a tie-break on the id, in a burst where every
  -- row ties, doubled the sort). Read from the due index's own table
  -- (scheduler_internal.due_tasks: active, undeleted tasks only), so the
  -- task's wide row is read for the batch alone
  with ranked as (
    select c.task_id, c.owner_id, c.priority, c.next_run_at,
      row_number() over (partition by c.owner_id order by c.priority desc, c.next_run_at) as turn
    from scheduler_internal.due_tasks c
    where c.next_run_at <= p_now + v_lookahead
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.task_id)
           or scheduler_internal.dependencies_satisfied(c.task_id))
  ),
  -- the best due tasks, a few times the batch, in a bounded top-N sort on
  -- the owners' turns (locking at this level would sort every due row in
  -- full); an owner with a cap has only its room's worth
  candidates as (
    select x.row_address, r.share
    from (
      select r.task_id,
        case when v_weights is null then r.turn - 1
          else (r.turn - 1)::float8 / coalesce((v_weights ->> r.owner_id::text)::integer, 1) end as share
      from ranked r
      where not v_capped or r.turn <= coalesce((v_rooms ->> r.owner_id::text)::integer, v_owner_cap, 2147483647)
      order by share, r.priority desc, r.next_run_at
      limit p_limit * 4
    ) r
    -- each task's address: one primary-key probe per candidate (offset 0
    -- keeps it a probe; joined plainly, statistics that say tasks is empty
    -- made it a scan of the whole index per candidate)
    cross join lateral (select t.ctid as row_address from scheduler.tasks t where t.id = r.task_id offset 0) x
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
    order by c.share, t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  -- materialized: every later step must see the same generated ids.
  -- Only a due time missed while the scheduler was down, and the task's own
  -- flow rules, are judged here; the rest waits for the run's second
  -- (start_runs)
  decided as materialized (
    select
      d.*,
      case
        when d.missed and d.misfire_policy = 'skip' then 'skipped'
        when d.requires_approval then 'awaiting_approval'
        when d.flow like 'skipped:%' then 'skipped'
        when d.flow is not null then 'queued'
        else 'claimed'
      end::scheduler.run_status as run_state,
      case
        when d.missed and d.misfire_policy = 'skip'
          then 'skipped: due at ' || d.next_run_at || ', missed while the scheduler was down (misfire_policy skip)'
        when not d.requires_approval then d.flow
      end as note,
      -- a skip like the task's latest finished run folds into it, as the
      -- gate folds overlap skips
      case when d.flow like 'skipped:%' and not (d.missed and d.misfire_policy = 'skip') and not d.requires_approval
        then scheduler_internal.skip_fold_target(d.id, d.flow) end as fold_into,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone, d.due_at) as following,
      scheduler_internal.uuid_v7() as new_run_id
    from (
      select d.*, d.next_run_at < p_now - v_grace as missed, x.due_at,
        -- the task's rate limit and max_concurrency (with overlap allow)
        case when d.rate_limit_count is not null or d.max_concurrency is not null
          then scheduler_internal.occurrence_flow(d.id, x.due_at, d.overlap_policy, d.max_concurrency,
            d.rate_limit_count, d.rate_limit_period) end as flow
      from due d
      cross join lateral (select case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end as due_at) x
    ) d
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
      start_time, end_time, error_message, log_summary, locked_at, locked_by, lease_expires_at, wait_reason
    )
    select
      d.new_run_id, d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then d.note end,
      case when d.run_state = 'skipped' then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', d.next_run_at) end,
      case when d.run_state = 'claimed' then p_now end,
      case when d.run_state = 'claimed' then p_worker end,
      case when d.run_state = 'claimed' then d.due_at + v_start_grace end,
      case when d.run_state = 'queued' then d.note end
    from decided d
    where d.fold_into is null
    returning id, status
  ),
  -- (by primary key from the few folds, whatever the statistics say: a join
  -- planned on an empty table's statistics scanned every run for each
  -- decided row)
  folded as (
    update scheduler.task_runs r
    set log_summary = jsonb_build_object(
          'skipped_occurrences', coalesce((r.log_summary ->> 'skipped_occurrences')::integer, 1) + 1,
          'last_scheduled_time', (select d.due_at from decided d where d.fold_into = r.id)),
        end_time = greatest(r.end_time, p_now)
    where r.id = any (array(select d.fold_into from decided d where d.fold_into is not null))
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
  -- what the due branch hands over: the new claimed runs
  handed as (
    select d.new_run_id as run_id, d.id as task_id, 1 as attempt, d.due_at as scheduled_time,
      'schedule'::text as triggered_by, d.due_at + v_start_grace as lease_expires_at, null::jsonb as inputs,
      d.new_run_id::text as idempotency_key,
      d.action_type, d.action_payload, d.timeout_seconds, d.name, d.owner_id, d.timezone, d.tags,
      d.priority, d.max_attempts, d.metadata
    from decided d
    where d.run_state = 'claimed'
  )
  select
    r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
    jsonb_build_object(
      'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
      'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
    ),
    -- the same steps as the queued statement below hands over (keep the two alike)
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data,
        'allowed_tools', s.allowed_tools, 'requires_approval', s.requires_approval
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id
    ), '[]'::jsonb),
    r.idempotency_key
  from handed r
  -- http deliveries and watch polls are signed with the owner's secret
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type in ('http', 'watch')
  order by r.scheduled_time, r.priority desc;

  -- the queued runs, in a statement of their own, planned only when some
  -- are in reach: a claim with none (the needle, most claims) plans only the
  -- due statement above. It sees the runs that statement claimed, so a
  -- task's max_concurrency and rate limit and an owner's cap count them
  -- without being told (the rooms are read again for it)
  if exists (select 1 from scheduler.task_runs q where q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead) then
    if v_capped then
      v_rooms := scheduler_internal.owner_rooms(v_owner_cap);
    end if;
    return query
    -- every queued run that may go now, ranked within its owner like the due
    -- tasks (narrow rows; the task's wide columns are read once a run is taken)
    with queue as (
      select r.ctid as row_address, r.scheduled_time, t.owner_id, t.priority,
        row_number() over (partition by t.owner_id order by t.priority desc, r.scheduled_time) as turn
      from scheduler.task_runs r
      -- one primary-key probe per queued run (offset 0 keeps it a probe)
      cross join lateral (
        select t.deleted_at, t.overlap_policy, t.owner_id, t.priority,
          t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.debounce_window
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
            -- a later occurrence claimed ahead does not hold back an earlier
            -- queued run (a given-back run, a retry of a task due more often
            -- than the lookahead): only what runs, or was claimed before it
            and (o.status = 'running'
                 or (o.status = 'claimed' and o.scheduled_time <= r.scheduled_time)
                 or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
        ))
        -- a debounced event run gathers its window's events until its second
        and (t.debounce_window is null or r.scheduled_time <= p_now or r.triggered_by not like 'event:%')
        -- max_concurrency and rate limit: the heads of the task's queue that
        -- fit its room (what the due statement claimed of the task is in it)
        and (t.max_concurrency is null and t.rate_limit_count is null
             or scheduler_internal.queue_fits(r.task_id, r.id, r.scheduled_time, greatest(r.scheduled_time, p_now), t.overlap_policy,
                  t.max_concurrency, t.rate_limit_count, t.rate_limit_period, null))
    ),
    -- the best of them, a few times the batch, on the owners' turns (an
    -- owner with a cap has only its room's worth)
    queue_candidates as (
      select q.row_address, q.owner_id, q.turn, q.priority, q.scheduled_time,
        case when v_weights is null then q.turn - 1
          else (q.turn - 1)::float8 / coalesce((v_weights ->> q.owner_id::text)::integer, 1) end as share
      from queue q
      where not v_capped or q.turn <= coalesce((v_rooms ->> q.owner_id::text)::integer, v_owner_cap, 2147483647)
      order by share, q.priority desc, q.scheduled_time
      limit p_limit * 4
    ),
    -- then lock them, found again by address, rechecked on the latest version
    waiting as (
      select r.ctid as row_address, r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.inputs,
        coalesce(r.idempotency_key, r.id::text) as idempotency_key,
        greatest(r.scheduled_time, p_now) + v_start_grace as lease_until,
        c.priority
      from queue_candidates c
      join scheduler.task_runs r on r.ctid = c.row_address
      where r.status = 'queued'
      order by c.share, c.priority desc, c.scheduled_time
      limit p_limit
      for update of r skip locked
    ),
    taken as (
      update scheduler.task_runs r
      set status = 'claimed', locked_at = p_now, locked_by = p_worker,
          lease_expires_at = greatest(r.scheduled_time, p_now) + v_start_grace
      where r.ctid = any (array(select w.row_address from waiting w))
    ),
    -- what is handed over: the queued runs taken
    handed as (
      select w.id as run_id, w.task_id, w.attempt, w.scheduled_time, w.triggered_by, w.lease_until as lease_expires_at, w.inputs,
        w.idempotency_key,
        t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
        t.priority, t.max_attempts, t.metadata
      from waiting w
      -- one primary-key probe per taken run (offset 0 keeps it a probe)
      cross join lateral (
        select t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
          t.priority, t.max_attempts, t.metadata
        from scheduler.tasks t
        where t.id = w.task_id
        offset 0
      ) t
    )
    select
      r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
      r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
      jsonb_build_object(
        'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
        'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
      ),
      -- the same steps as the due statement hands over (keep the two alike:
      -- a resumed ai-prompt run comes back through this one)
      coalesce((
        select jsonb_agg(jsonb_build_object(
          'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
          'include_previous_context', s.include_previous_context, 'context_data', s.context_data,
          'allowed_tools', s.allowed_tools, 'requires_approval', s.requires_approval
        ) order by s.step_order)
        from scheduler.task_steps s where s.task_id = r.task_id
      ), '[]'::jsonb),
      r.idempotency_key
    from handed r
    -- http deliveries and watch polls are signed with the owner's secret
    left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type in ('http', 'watch')
    order by r.scheduled_time, r.priority desc;
  end if;

  -- the queued runs a task's max_concurrency or rate limit holds back say
  -- why, once (only a changed reason is written; at most a batch a claim).
  -- Driven by the few tasks with such rules (tasks_flow_rules_idx), so
  -- nothing runs without them
  if exists (select 1 from scheduler.tasks t where t.max_concurrency is not null or t.rate_limit_count is not null) then
    update scheduler.task_runs r
    set wait_reason = h.reason
    from (
      select c.row_address, c.reason
      from (
        select q.ctid as row_address, x.reason
        from scheduler.tasks t
        -- each task's queue by the open-runs index (offset 0 keeps it a probe)
        cross join lateral (
          select q.ctid, q.id, q.scheduled_time, q.triggered_by, q.wait_reason
          from scheduler.task_runs q
          where q.task_id = t.id and q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead
          offset 0
        ) q
        cross join lateral (
          select
            case when t.max_concurrency is not null and t.overlap_policy = 'allow'
              then scheduler_internal.concurrency_room(t.id, t.max_concurrency) end as c_room,
            case when t.rate_limit_count is not null
              then scheduler_internal.rate_room(t.id, t.rate_limit_count, t.rate_limit_period, greatest(q.scheduled_time, p_now)) end as r_room
        ) f
        cross join lateral (
          select case when t.overlap_policy = 'allow'
            then scheduler_internal.queue_position(t.id, q.scheduled_time, q.id, greatest(least(f.c_room, f.r_room), 0)) else 0 end as ahead
        ) a
        cross join lateral (
          select case
            when a.ahead >= f.c_room then 'waiting: max_concurrency ' || t.max_concurrency || ' reached (runs of this task claimed or running)'
            when a.ahead >= f.r_room then 'waiting: the rate limit of ' || t.rate_limit_count || ' starts per ' || t.rate_limit_period
              || ' was reached (rate_limit_count, rate_limit_period)'
          end as reason
        ) x
        where (t.max_concurrency is not null or t.rate_limit_count is not null)
          and t.deleted_at is null
          -- an open debounce window keeps its own note
          and (t.debounce_window is null or q.scheduled_time <= p_now or q.triggered_by not like 'event:%')
          and x.reason is not null
          and x.reason is distinct from q.wait_reason
        limit p_limit
      ) c
      -- locked, found again by address, rechecked on the latest version
      join scheduler.task_runs l on l.ctid = c.row_address
      where l.status = 'queued'
      for update of l skip locked
    ) h
    where r.ctid = h.row_address;
  end if;
end;
$$;

comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role (dispatcher): turns tasks due within p_lookahead (default: the dispatch_lookahead setting) into runs and takes due queued runs, all `claimed` by p_worker for their action to start at their second through start_runs. Applies dependencies, approvals and misfires of a stopped scheduler; SKIP LOCKED under concurrency.';

revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;

grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;
