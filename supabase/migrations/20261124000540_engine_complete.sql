-- completing: one call records a batch of action results, schedules retries
-- with exponential backoff and jitter, alerts owners on final failure, makes
-- dependents run, and takes back runs whose lease expired.

create or replace function scheduler_internal.retry_delay(
  p_run_id uuid, p_attempt integer, p_base_seconds integer, p_max_seconds integer
) returns interval
language sql immutable
set search_path = ''
as $$
  -- base * 2^(attempt-1), capped, plus up to 20% jitter derived from the run id
  -- (deterministic, so tests can compute its bounds)
  select make_interval(secs =>
    least(p_base_seconds * power(2, least(p_attempt - 1, 30)), p_max_seconds)
    * (1 + 0.2 * ((('x' || substr(md5(p_run_id::text), 1, 8))::bit(32)::bigint & 1023) / 1023.0))
  )
$$;
comment on function scheduler_internal.retry_delay(uuid, integer, integer, integer) is 'Backoff before the next attempt: exponential, capped, with deterministic jitter of up to 20%.';

create or replace function scheduler.complete_runs(p_results jsonb, p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
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
    select f.*, t.owner_id, t.name as task_name, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds,
      (f.status = 'failed' and f.retryable and f.attempt < t.max_attempts and t.deleted_at is null) as will_retry
    from finished f join scheduler.tasks t on t.id = f.task_id
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
    returning id
  ),
  touched as (
    update scheduler.tasks t
    set last_run_at = greatest(t.last_run_at, x.last_end)
    from (select j.task_id, max(j.end_time) as last_end from judged j group by j.task_id) x
    where t.id = x.task_id
    returning t.id
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
    returning s.id
  ),
  -- dependents without a schedule of their own run when their prerequisites are
  -- satisfied; scheduled dependents simply become eligible at their next due time
  dependents as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
    select distinct d.task_id, p_now, 'queued'::scheduler.run_status, 1, 'dependency',
      jsonb_build_object('prerequisite_run_id', j.id, 'prerequisite_task_id', j.task_id)
    from judged j
    join scheduler.task_dependencies d on d.depends_on_task_id = j.task_id
    join scheduler.tasks t on t.id = d.task_id
    where not j.will_retry
      and t.type <> 'scheduled' and t.is_active and t.deleted_at is null
      and (d.dependency_type = 'always' or (d.dependency_type = 'success') = (j.status = 'completed'))
      -- the other prerequisites (this statement cannot see the run it just finished)
      and not exists (
        select 1 from scheduler.task_dependencies o
        where o.task_id = d.task_id and o.depends_on_task_id <> j.task_id
          and not scheduler_internal.edge_satisfied(o.depends_on_task_id, o.dependency_type)
      )
    returning id
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

create or replace function scheduler.reap_expired_leases(p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_results jsonb;
begin
  select jsonb_agg(jsonb_build_object(
    'run_id', r.id, 'status', 'failed', 'retryable', true,
    'error_message', 'lease expired at ' || r.lease_expires_at || ': the worker (' || coalesce(r.locked_by, '?') || ') died or ran out of time'
  ))
  into v_results
  from (
    select id, lease_expires_at, locked_by from scheduler.task_runs
    where status = 'running' and lease_expires_at < p_now
    order by lease_expires_at
    limit 1000
    for update skip locked
  ) r;
  if v_results is null then
    return;
  end if;
  return query select * from scheduler.complete_runs(v_results, p_now);
end;
$$;
comment on function scheduler.reap_expired_leases(timestamptz) is 'service_role: fails running runs whose lease expired (the dispatcher died) and retries them per policy. No run stays running forever.';
revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;
grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;
