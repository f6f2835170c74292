-- leases: a claimed run nobody started was never sent and is given back; a
-- started run whose worker went quiet has an unknown outcome
create or replace function scheduler.reap_expired_leases(p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_results jsonb;
begin
  return query
  with given_back as (
    update scheduler.task_runs r
    set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
    where r.id = any (array(
      select c.id from scheduler.task_runs c
      where c.status = 'claimed' and c.lease_expires_at < p_now
      order by c.lease_expires_at
      limit 1000
      for update skip locked))
    returning r.id
  )
  select g.id, 'given back: claimed but never started, nothing was sent'::text, null::uuid from given_back g;

  select jsonb_agg(jsonb_build_object(
    'run_id', r.id, 'status', 'failed', 'retryable', true,
    'error_message', case when r.action_type = 'sql'
      -- the sql action commits the call and its completion in one
      -- transaction: a run still running has no committed call
      then 'not committed: the sql call of the run started at ' || r.start_time || ' ended without recording (its worker '
        || coalesce(r.locked_by, '?') || ' went quiet before its lease expired at ' || r.lease_expires_at
        || '); the call commits only together with its result, so it took no effect; retried under the same idempotency key ('
        || coalesce(r.idempotency_key, r.id::text) || ')'
      else 'outcome unknown: the run started at ' || r.start_time || ' and its worker (' || coalesce(r.locked_by, '?')
      || ') reported nothing before its lease expired at ' || r.lease_expires_at
      || '; a retry is sent with the same idempotency key (' || coalesce(r.idempotency_key, r.id::text) || ')' end
  ))
  into v_results
  from (
    select id, start_time, lease_expires_at, locked_by, idempotency_key,
      (select t.action_type from scheduler.tasks t where t.id = task_id) as action_type
    from scheduler.task_runs
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

comment on function scheduler.reap_expired_leases(timestamptz) is
  'service_role: gives back claimed runs nobody started (nothing was sent), and fails started runs whose lease expired as outcome unknown, retried per policy under the same idempotency key. No run stays claimed or running forever.';

revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;

revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;
