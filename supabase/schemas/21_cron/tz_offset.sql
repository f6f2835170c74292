-- the utc offset of an instant in a timezone
create or replace function scheduler_internal.tz_offset(p_at timestamptz, p_tz text) returns interval
language sql stable
set search_path = ''
as $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

revoke execute on function scheduler_internal.tz_offset(timestamp with time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_offset(timestamp with time zone,text) to authenticated, service_role;
