-- the start gate: called by an action function at the runs' second. Only
-- the runs it answers `started` may be sent. A task's max_concurrency
-- (overlap allow) and rate limit are judged here again, at the second,
-- against what is running and what has started: the claim keeps within
-- them, but two claims may race. A run over either goes back to the queue
-- with its reason in wait_reason; a start of a rate-limited task is logged
-- in scheduler_internal.task_starts, which the limit counts.
create or replace function scheduler.start_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns table (run_id uuid, outcome text, message text)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '15 seconds');
  v_window interval := scheduler_internal.heartbeat_lease();
  v_decided jsonb;
  -- whether any run of the call is of a rate-limited task: without one, the
  -- start log's two steps are planned away (a constant false filter)
  v_rated boolean;
  v_skip record;
  v_into uuid;
  v_started uuid[];
  v_requeued uuid[];
  v_ended uuid[];
  v_decisions jsonb;
begin
  if p_run_ids is null or p_worker is null then
    raise exception 'start_runs: p_run_ids and p_worker are required' using errcode = '22023';
  end if;
  -- two gates starting runs of one task at the same second would both see
  -- nothing running: the tasks that judge overlap, max_concurrency or a
  -- rate limit are taken one gate at a time (in id order, so gates never
  -- wait on each other in a circle)
  -- (each run's task is one primary-key probe, whatever the statistics say)
  perform pg_advisory_xact_lock(hashtextextended('scheduler.start_runs:' || x.task_id::text, 0))
  from (
    select distinct r.task_id
    from scheduler.task_runs r
    cross join lateral (
      select t.overlap_policy, t.max_concurrency, t.rate_limit_count from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker
      and (t.overlap_policy <> 'allow' or t.max_concurrency is not null or t.rate_limit_count is not null)
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
      t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.timeout_seconds,
      row_number() over (partition by l.task_id order by l.scheduled_time, l.id) as nth
    from locked l
    cross join lateral (
      select t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy,
        t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.timeout_seconds
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
      -- late runs when approved (and one held before a tool call resumes
      -- whatever the decision)
      a.triggered_by = 'schedule' and p_now > a.scheduled_time + v_grace and a.misfire_policy = 'skip'
        and not exists (select 1 from scheduler.approvals ap where ap.run_id = a.id
          and (ap.status = 'approved' or (ap.status = 'rejected' and ap.details ->> 'kind' = 'tool_call'))) as too_late,
      -- a paused task still runs what a person asked for by hand
      a.deleted_at is null and (a.is_active or a.triggered_by in ('manual', 'replay', 'backfill')) as allowed,
      -- max_concurrency (with overlap allow; skip and queue already run one
      -- at a time): what is running now and the earlier runs of this call
      a.max_concurrency is not null and a.overlap_policy = 'allow' and (a.nth - 1) + (
        select count(*) from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'running'
      ) >= a.max_concurrency as over_concurrency,
      -- the rate limit: the starts within the window before now, and the
      -- earlier runs of this call
      a.rate_limit_count is not null and (a.nth - 1) + (
        select count(*) from (
          select 1 from scheduler_internal.task_starts s
          where s.task_id = a.task_id and s.started_at > p_now - a.rate_limit_period
          limit a.rate_limit_count) w
      ) >= a.rate_limit_count as over_rate
    from asked a
  )
  select jsonb_agg(jsonb_build_object(
    'run_id', j.id, 'task_id', j.task_id, 'scheduled_time', j.scheduled_time, 'triggered_by', j.triggered_by,
    'rate_limit_period', j.rate_limit_period, 'timeout_seconds', j.timeout_seconds,
    'outcome', case
      when not j.allowed then 'cancelled'
      when j.too_late then 'skipped'
      -- a retry that meets a running run of its task waits for it: skipping
      -- it would drop the attempt its policy owes
      when j.overlapping and j.triggered_by = 'retry' then 'queued'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued'
      when j.over_concurrency or j.over_rate then 'queued'
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
      when j.over_concurrency then
        'waiting: max_concurrency ' || j.max_concurrency || ' reached at its second (runs of this task running)'
      when j.over_rate then
        'waiting: the rate limit of ' || j.rate_limit_count || ' starts per ' || j.rate_limit_period
          || ' was reached at its second (rate_limit_count, rate_limit_period)'
    end)), coalesce(bool_or(j.rate_limit_count is not null), false)
  into v_decided, v_rated
  from judged j;

  if v_decided is null then
    v_decided := '[]'::jsonb;
  end if;

  -- the runs each outcome moves, by id, and each run's decision (with its
  -- task's timeout) keyed by id: the updates below probe the runs by key
  -- and join nothing. A join of the decided rows to task_runs is planned on the
  -- table's statistics, and on statistics that said the table was nearly
  -- empty (a refill after a clean-up) it became a scan of the whole table
  -- per decided run: 8 s for a gate of 1,000 in bench/drain-cost.mjs
  select
    coalesce(array_agg(x.run_id) filter (where x.outcome = 'started'), '{}'),
    coalesce(array_agg(x.run_id) filter (where x.outcome = 'queued'), '{}'),
    coalesce(array_agg(x.run_id) filter (where x.outcome in ('cancelled', 'skipped')), '{}'),
    coalesce(jsonb_object_agg(x.run_id, jsonb_build_object(
      'outcome', x.outcome, 'message', x.message, 'scheduled_time', x.scheduled_time, 'timeout_seconds', x.timeout_seconds)), '{}')
  into v_started, v_requeued, v_ended, v_decisions
  from jsonb_to_recordset(v_decided) as x(run_id uuid, scheduled_time timestamptz, timeout_seconds integer, outcome text, message text);

  -- the first heartbeat's lease: the action renews it every few seconds
  -- (renew_leases), so a worker that dies is found out heartbeat_lease
  -- after it went quiet, not after timeout_seconds + lease_margin
  update scheduler.task_runs r
  set status = 'running', start_time = p_now,
      lease_expires_at = p_now + least(make_interval(secs => (v_decisions -> r.id::text ->> 'timeout_seconds')::integer) + v_margin, v_window)
  where r.id = any (v_started);

  update scheduler.task_runs r
  set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null,
      wait_reason = v_decisions -> r.id::text ->> 'message'
  where r.id = any (v_requeued);

  update scheduler.task_runs r
  set status = (v_decisions -> r.id::text ->> 'outcome')::scheduler.run_status, start_time = p_now, end_time = p_now,
      lease_expires_at = null, error_message = v_decisions -> r.id::text ->> 'message',
      log_summary = case when v_decisions -> r.id::text ->> 'outcome' = 'skipped'
        then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', (v_decisions -> r.id::text ->> 'scheduled_time')::timestamptz) end
  where r.id = any (v_ended);

  with decided as (
    select * from jsonb_to_recordset(v_decided) as x(
      run_id uuid, task_id uuid, triggered_by text, rate_limit_period interval, outcome text)
  ),
  -- the sliding log of rate-limited tasks: this call's starts, and what has
  -- left each window (the claim and the gate count only inside it)
  logged as (
    insert into scheduler_internal.task_starts (task_id, started_at, run_id)
    select x.task_id, p_now, x.run_id
    from decided x
    where v_rated and x.outcome = 'started' and x.rate_limit_period is not null
  ),
  forgotten as (
    delete from scheduler_internal.task_starts s
    where v_rated and s.task_id = any (array(
        select x.task_id from decided x where x.outcome = 'started' and x.rate_limit_period is not null))
      and s.started_at <= p_now - (
        select x.rate_limit_period from decided x where x.task_id = s.task_id and x.rate_limit_period is not null limit 1)
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
    -- only scheduled occurrences fold: a skipped retry or manual run keeps its row
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

comment on function scheduler.start_runs(uuid[], text, timestamptz) is
  'service_role (action functions): the start gate, at the runs'' second. Judges each claimed run of p_worker now: paused or deleted task (cancelled), lateness against misfire_grace, overlap against what is running now (skip, queue, allow). Returns one row per id; only outcome started may be executed.';

revoke execute on function scheduler.start_runs(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.start_runs(uuid[], text, timestamptz) to service_role;
