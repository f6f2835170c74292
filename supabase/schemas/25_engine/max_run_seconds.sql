create or replace function scheduler_internal.max_run_seconds() returns integer
language sql stable security definer
set search_path = ''
as $$
  -- a run may reach a worker just before its half-life, wait up to the
  -- lookahead for its second, and must end before the worker is killed
  select (coalesce((scheduler_internal.setting('edge_wall_clock_seconds'))::integer, 150) / 2
          - extract(epoch from scheduler_internal.dispatch_lookahead())::integer - 5)
$$;

comment on function scheduler_internal.max_run_seconds() is 'The longest timeout_seconds the platform can honour: edge_wall_clock_seconds / 2 - dispatch_lookahead - 5 s.';

revoke execute on function scheduler_internal.max_run_seconds() from public, anon, authenticated;

grant execute on function scheduler_internal.max_run_seconds() to authenticated, service_role;
