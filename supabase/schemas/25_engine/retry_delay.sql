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

revoke execute on function scheduler_internal.retry_delay(uuid, integer, integer, integer) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.retry_delay(uuid,integer,integer,integer) to authenticated, service_role;
