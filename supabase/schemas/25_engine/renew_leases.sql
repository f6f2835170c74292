-- the heartbeat: an action function renews the leases of the runs it is
-- executing every few seconds (_shared/action-runner.ts). A started run's
-- lease then runs heartbeat_lease past its worker's last sign of life, so a
-- worker that died is found out (reap_expired_leases) that long after it
-- went quiet, whatever the run's timeout_seconds. The lease never passes
-- start_time + timeout_seconds + lease_margin: a worker that keeps beating
-- past its own timeout is not trusted to end the run.
create or replace function scheduler.renew_leases(p_run_ids uuid[], p_worker text, p_now timestamptz)
returns table (run_id uuid, lease_expires_at timestamptz)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '15 seconds');
  v_window interval := scheduler_internal.heartbeat_lease();
begin
  if p_run_ids is null or p_worker is null or p_now is null then
    raise exception 'renew_leases: p_run_ids, p_worker and p_now are required' using errcode = '22023';
  end if;
  -- only this worker's running runs: a claimed run has not started (its
  -- lease is start_grace), a final or reaped one is no longer its. A lease
  -- is never shortened (a late beat with an old p_now changes nothing).
  return query
  update scheduler.task_runs r
  set lease_expires_at = greatest(r.lease_expires_at, least(
        r.start_time + make_interval(secs => t.timeout_seconds) + v_margin,
        p_now + v_window))
  from scheduler.tasks t
  where r.id = any (p_run_ids) and r.status = 'running' and r.locked_by = p_worker
    and t.id = r.task_id
  returning r.id, r.lease_expires_at;
end;
$$;

comment on function scheduler.renew_leases(uuid[], text, timestamptz) is
  'service_role (action functions): the heartbeat. Extends the lease of each running run of p_worker to p_now + heartbeat_lease, never past start_time + timeout_seconds + lease_margin; returns the runs renewed and their leases (a run missing from the answer is no longer this worker''s).';

revoke execute on function scheduler.renew_leases(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.renew_leases(uuid[], text, timestamptz) to service_role;
