-- what a wall-clock time is in a timezone: one instant, two (fall back), or none (spring forward)
create or replace function scheduler_internal.tz_resolve(
  p_local timestamp, p_tz text, out kind text, out earlier timestamptz, out later timestamptz
)
language plpgsql stable
set search_path = ''
as $$
declare
  v_guess timestamptz := p_local at time zone p_tz;
  v_a timestamptz := (p_local - scheduler_internal.tz_offset(v_guess - interval '3 hours', p_tz)) at time zone 'UTC';
  v_b timestamptz := (p_local - scheduler_internal.tz_offset(v_guess + interval '3 hours', p_tz)) at time zone 'UTC';
  v_a_ok boolean := (v_a at time zone p_tz) = p_local;
  v_b_ok boolean := (v_b at time zone p_tz) = p_local;
begin
  if v_a_ok and v_b_ok and v_a <> v_b then
    kind := 'ambiguous';
    earlier := least(v_a, v_b);
    later := greatest(v_a, v_b);
  elsif v_a_ok or v_b_ok or (v_guess at time zone p_tz) = p_local then
    kind := 'single';
    earlier := case when v_a_ok then v_a when v_b_ok then v_b else v_guess end;
    later := earlier;
  else
    kind := 'gap';
    earlier := least(v_a, v_b);
    later := greatest(v_a, v_b);
  end if;
end;
$$;

revoke execute on function scheduler_internal.tz_resolve(timestamp without time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_resolve(timestamp without time zone,text) to authenticated, service_role;
