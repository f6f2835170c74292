-- the first instant after p_lo with the offset p_hi has (p_lo and p_hi straddle one transition)
create or replace function scheduler_internal.tz_transition(p_lo timestamptz, p_hi timestamptz, p_tz text) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_lo timestamptz := p_lo;
  v_hi timestamptz := p_hi;
  v_off interval := scheduler_internal.tz_offset(p_lo, p_tz);
  v_mid timestamptz;
begin
  while v_hi - v_lo > interval '1 second' loop
    v_mid := v_lo + make_interval(secs => floor(extract(epoch from (v_hi - v_lo)) / 2));
    if scheduler_internal.tz_offset(v_mid, p_tz) = v_off then
      v_lo := v_mid;
    else
      v_hi := v_mid;
    end if;
  end loop;
  return v_hi;
end;
$$;

revoke execute on function scheduler_internal.tz_transition(timestamp with time zone, timestamp with time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_transition(timestamp with time zone,timestamp with time zone,text) to authenticated, service_role;
