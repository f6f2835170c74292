-- walks matching wall-clock times from p_start (exclusive) and returns the first
-- that runs after p_reference, applying the DST rules croner and vixie cron share:
-- fixed-time jobs run once on a repeated time (its first occurrence) and run at
-- the end of a gap on the same day; interval jobs run on both occurrences of a
-- repeated time and skip times inside a gap
create or replace function scheduler_internal.cron_walk(
  p_spec scheduler_internal.cron_spec, p_tz text, p_start timestamp, p_reference timestamptz
) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_local timestamp := p_start;
  v_r record;
  v_at timestamptz;
  v_i integer := 0;
begin
  loop
    v_local := scheduler_internal.cron_next_local(p_spec, v_local);
    if v_local is null or v_i > 10000 then
      return null;
    end if;
    v_i := v_i + 1;
    select * into v_r from scheduler_internal.tz_resolve(v_local, p_tz);
    if v_r.kind = 'single' then
      if v_r.earlier > p_reference then return v_r.earlier; end if;
    elsif v_r.kind = 'ambiguous' then
      if v_r.earlier > p_reference then return v_r.earlier; end if;
      if not p_spec.fixed_time and v_r.later > p_reference then return v_r.later; end if;
    elsif p_spec.fixed_time then
      v_at := scheduler_internal.tz_transition(v_r.earlier, v_r.later, p_tz);
      if (v_at at time zone p_tz)::date = v_local::date and v_at > p_reference then
        return v_at;
      end if;
    end if;
  end loop;
end;
$$;

revoke execute on function scheduler_internal.cron_walk(scheduler_internal.cron_spec, text, timestamp without time zone, timestamp with time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_walk(scheduler_internal.cron_spec,text,timestamp without time zone,timestamp with time zone) to authenticated, service_role;
