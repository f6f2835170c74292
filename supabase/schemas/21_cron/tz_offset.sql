-- the utc offset of an instant in a timezone
create or replace function scheduler_internal.tz_offset(p_at timestamptz, p_tz text) returns interval
language sql stable
set search_path = ''
as $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;
