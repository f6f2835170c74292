-- how long a started run's lease lasts past its worker's last heartbeat
-- (start_runs, renew_leases). Never under 10 seconds: the action functions
-- beat every 5 seconds, and a window shorter than two beats would reap runs
-- whose worker is alive (one slow beat and the run is failed as outcome
-- unknown, then sent again).
create or replace function scheduler_internal.heartbeat_lease() returns interval
language sql stable
set search_path = ''
as $$
  select greatest(
    coalesce((scheduler_internal.setting('heartbeat_lease') #>> '{}')::interval, interval '15 seconds'),
    interval '10 seconds')
$$;

comment on function scheduler_internal.heartbeat_lease() is
  'The heartbeat_lease setting (default 15 seconds), never under 10 seconds: a started run''s lease runs this long past its worker''s last heartbeat.';

revoke execute on function scheduler_internal.heartbeat_lease() from public, anon, authenticated;

grant execute on function scheduler_internal.heartbeat_lease() to service_role;
