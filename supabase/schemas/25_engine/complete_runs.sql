create function scheduler.complete_runs(p_results jsonb, p_now timestamptz default now(), p_worker text default null)
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_task_ids uuid[];
  v_run_ids uuid[];
  v_outcomes text[];
  v_retry_ids uuid[];
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

  -- one statement records everything; its answer is gathered into arrays,
  -- so the finished runs' tasks (for the wake below) come from it too
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
        start_time = coalesce(r.start_time, x.started_at),
        end_time = greatest(coalesce(x.ended_at, p_now), coalesce(r.start_time, x.started_at, p_now)),
        output = x.output,
        log = x.log,
        log_summary = x.log_summary,
        error_message = case when x.status = 'failed' then coalesce(x.error_message, 'failed without a message') end,
        lease_expires_at = null
    from results x
    where r.id = x.run_id
      and (p_worker is null or r.locked_by = p_worker)
      -- a claimed run never started: it can only have failed before it began
      and (r.status = 'running' or (r.status = 'claimed' and x.status = 'failed'))
    returning r.*, coalesce(x.retryable, false) as retryable, x.steps
  ),
  judged as (
    select f.*, t.owner_id, t.task_name, t.action_type, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds,
      (f.status = 'failed' and f.retryable and f.attempt < t.max_attempts and t.deleted_at is null) as will_retry
    from finished f
    -- one primary-key probe per finished run (offset 0 keeps it a probe)
    cross join lateral (
      select t.owner_id, t.name as task_name, t.action_type, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds, t.deleted_at
      from scheduler.tasks t
      where t.id = f.task_id
      offset 0
    ) t
  ),
  retries as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, idempotency_key)
    select j.task_id, p_now + scheduler_internal.retry_delay(j.id, j.attempt, j.retry_backoff_seconds, j.retry_backoff_max_seconds),
      'queued', j.attempt + 1, 'retry', j.inputs, coalesce(j.idempotency_key, j.id::text)
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
      -- a failed poll is the watcher's to report: it backs off, and tells
      -- the owner once when it pauses itself (record_watcher_error)
      and j.action_type <> 'watch'
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
  ),
  answered as (
    select x.run_id,
      case
        when j.id is null then 'ignored: the run is not running for this worker (finished, cancelled or taken back)'
        when j.will_retry then 'retry scheduled'
        else j.status::text
      end as outcome,
      rt.id as retry_run_id,
      j.task_id
    from results x
    left join judged j on j.id = x.run_id
    left join retries rt on rt.task_id = j.task_id and rt.attempt = j.attempt + 1
  )
  select coalesce(array_agg(a.run_id), '{}'), coalesce(array_agg(a.outcome), '{}'), coalesce(array_agg(a.retry_run_id), '{}'),
    coalesce(array_agg(distinct a.task_id) filter (where a.task_id is not null), '{}')
  into v_run_ids, v_outcomes, v_retry_ids, v_task_ids
  from answered a;

  return query select * from unnest(v_run_ids, v_outcomes, v_retry_ids);

  -- a run that waited behind one of these (overlap_policy queue), or a
  -- scheduled dependent whose prerequisite just finished, can go now: the
  -- tasks of the runs this call finished (the statement above names them;
  -- reading them again by the results' ids cost a probe per result), and
  -- each task's waiting run, a probe by key
  if exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_runs q
      where q.task_id = x.task_id and q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead
      limit 1
    ) q
  ) or exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_dependencies d
      cross join lateral (select t.is_active, t.deleted_at, t.next_run_at from scheduler.tasks t where t.id = d.task_id offset 0) t
      where d.depends_on_task_id = x.task_id and t.is_active and t.deleted_at is null and t.next_run_at <= p_now + v_lookahead
      limit 1
    ) d
  ) then
    perform scheduler_internal.request_dispatch(p_now, 'a run finished');
  end if;
end;
$$;

comment on function scheduler.complete_runs(jsonb, timestamptz, text) is
  'service_role (action functions): records ActionResults (shared/contract.ts) as runs end, in one statement: status, output, log, steps; retries with backoff under the same idempotency key; final-failure notifications; dependents. With p_worker, only that worker''s runs are recorded.';

revoke execute on function scheduler.complete_runs(jsonb, timestamptz, text) from public, anon, authenticated;

grant execute on function scheduler.complete_runs(jsonb, timestamptz, text) to service_role;
