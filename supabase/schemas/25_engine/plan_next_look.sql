-- the dispatcher, after a claim that took everything it could: registers as
-- the one looking and says when to claim next (null: stop, nothing is due
-- before p_until, or a newer invocation took over)
create or replace function scheduler.plan_next_look(p_worker text, p_now timestamptz, p_until timestamptz)
returns timestamptz
language plpgsql
set search_path = ''
as $$
declare
  v_looks scheduler_internal.dispatcher_looks;
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_retry interval := coalesce((scheduler_internal.setting('dispatch_retry_interval') #>> '{}')::interval, interval '1 second');
  v_due timestamptz;
  v_first timestamptz;
  v_ahead timestamptz;
  v_exact timestamptz;
  v_next timestamptz;
  v_left boolean;
begin
  if p_worker is null or p_now is null or p_until is null then
    raise exception 'plan_next_look: p_worker, p_now and p_until are required' using errcode = '22023';
  end if;
  -- the writers holding the row for share must have committed before the
  -- statements below take their snapshots. Never wait for them: a user's
  -- long transaction would stall the dispatcher. Look again shortly instead
  -- (nothing is planned, so nothing they wrote can be missed)
  begin
    select * into v_looks from scheduler_internal.dispatcher_looks for update nowait;
  exception when lock_not_available then
    return p_now + v_retry;
  end;
  -- a newer invocation (it stays later) is looking: this one stops. An older
  -- one finds this one at its next plan and stops likewise
  if v_looks.looker is distinct from p_worker and v_looks.awake_until > p_now and v_looks.awake_until > p_until then
    return null;
  end if;

  -- the earliest due time still to hand over. A run comes within reach a
  -- lookahead before its second, but a round hands over at least 80 % of a
  -- lookahead of due times: without that floor, runs spread over the minute
  -- were claimed one by one as each came within reach, one action call per
  -- due instant (999 invocations per 1,000 runs in bench/). And never later
  -- than a second before the run is due.
  -- A debounced event run is claimed at its second, not ahead (it gathers
  -- events until then): the look is at that second. Only the debounced runs
  -- due before the first other queued run are read past, so without
  -- debounced tasks this is one probe more.
  select min(r.scheduled_time) into v_first
  from scheduler.task_runs r
  where r.status = 'queued' and r.scheduled_time > p_now;
  select r.scheduled_time into v_ahead
  from scheduler.task_runs r
  cross join lateral (select t.debounce_window from scheduler.tasks t where t.id = r.task_id offset 0) t
  where r.status = 'queued' and r.scheduled_time > p_now
    and (t.debounce_window is null or r.triggered_by not like 'event:%')
  order by r.scheduled_time
  limit 1;
  if v_first < v_ahead or (v_first is not null and v_ahead is null) then
    v_exact := v_first;
  end if;
  -- queued runs a rate limit holds: the look is when the oldest start of
  -- their task's window leaves it (only rate-limited tasks are probed)
  v_exact := least(v_exact, (
    select min(w.frees_at)
    from (
      select distinct r.task_id, t.rate_limit_period
      from scheduler.task_runs r
      cross join lateral (
        select t.rate_limit_count, t.rate_limit_period, t.deleted_at from scheduler.tasks t where t.id = r.task_id offset 0
      ) t
      where r.status = 'queued' and r.scheduled_time <= p_now + v_lookahead
        and t.rate_limit_count is not null and t.deleted_at is null
        and scheduler_internal.rate_room(r.task_id, t.rate_limit_count, t.rate_limit_period, greatest(r.scheduled_time, p_now)) < 1
    ) q
    cross join lateral (
      select min(s.started_at) + q.rate_limit_period as frees_at
      from scheduler_internal.task_starts s
      where s.task_id = q.task_id and s.started_at > p_now - q.rate_limit_period
    ) w
  ));
  select least(
    (select min(t.next_run_at) from scheduler_internal.due_tasks t where t.next_run_at > p_now),
    v_ahead
  ) into v_due;
  v_next := least(greatest(v_due - v_lookahead, p_now + v_lookahead * 0.8), v_due - interval '1 second', v_exact);

  -- work already due that the claim left although it could run: another
  -- session held it (SKIP LOCKED); look again shortly. Work that waits for a
  -- prerequisite or for a running run is woken by the write that frees it.
  select exists (
    select 1 from scheduler_internal.due_tasks t
    where t.next_run_at <= p_now
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = t.task_id)
           or scheduler_internal.dependencies_satisfied(t.task_id))
  ) or exists (
    select 1 from scheduler.task_runs r
    cross join lateral (
      select t.overlap_policy, t.deleted_at, t.max_concurrency, t.rate_limit_count, t.rate_limit_period
      from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
    where r.status = 'queued' and r.scheduled_time <= p_now and t.deleted_at is null
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o where o.task_id = r.task_id and o.status in ('claimed', 'running')))
      -- a run its task's max_concurrency holds is woken by the run that
      -- ends (complete_runs), one a rate limit holds by the look above
      and (t.max_concurrency is null or t.overlap_policy <> 'allow'
           or scheduler_internal.concurrency_room(r.task_id, t.max_concurrency) > 0)
      and (t.rate_limit_count is null
           or scheduler_internal.rate_room(r.task_id, t.rate_limit_count, t.rate_limit_period, p_now) > 0)
  ) into v_left;
  if v_left then
    v_next := least(v_next, p_now + v_retry);
  end if;

  if v_next is null or v_next > p_until then
    update scheduler_internal.dispatcher_looks
    set looker = null, awake_until = null, next_look_at = null, planned_at = p_now
    where looker is null or looker = p_worker or awake_until <= p_now;
    return null;
  end if;
  v_next := greatest(v_next, p_now);
  update scheduler_internal.dispatcher_looks
  set looker = p_worker, awake_until = p_until, next_look_at = v_next, planned_at = p_now;
  return v_next;
end;
$$;

comment on function scheduler.plan_next_look(text, timestamptz, timestamptz) is
  'service_role (dispatcher): registers the caller as the invocation looking for due work until p_until and returns when it should claim next; null means stop.';

revoke execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) to service_role;
