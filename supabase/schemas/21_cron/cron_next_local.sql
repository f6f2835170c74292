-- the first wall-clock time after p_after that matches, or null within 50 years
create or replace function scheduler_internal.cron_next_local(p_spec scheduler_internal.cron_spec, p_after timestamp) returns timestamp
language plpgsql stable
set search_path = ''
as $$
declare
  v_t timestamp := date_trunc('second', p_after) + interval '1 second';
  v_limit timestamp := p_after + interval '50 years';
  v_next integer;
  v_day_ok boolean;
  v_dom_ok boolean;
  v_dow_ok boolean;
begin
  while v_t < v_limit loop
    if not (extract(month from v_t)::integer = any (p_spec.months)) then
      select min(m) into v_next from unnest(p_spec.months) m where m > extract(month from v_t);
      v_t := case when v_next is null
        then make_timestamp(extract(year from v_t)::integer + 1, p_spec.months[1], 1, 0, 0, 0)
        else make_timestamp(extract(year from v_t)::integer, v_next, 1, 0, 0, 0) end;
      continue;
    end if;
    v_dom_ok := extract(day from v_t)::integer = any (p_spec.days);
    v_dow_ok := extract(dow from v_t)::integer = any (p_spec.dows);
    v_day_ok := case
      when p_spec.dom_star and p_spec.dow_star then true
      when p_spec.dom_star then v_dow_ok
      when p_spec.dow_star then v_dom_ok
      else v_dom_ok or v_dow_ok
    end;
    if not v_day_ok then
      v_t := date_trunc('day', v_t) + interval '1 day';
      continue;
    end if;
    if not (extract(hour from v_t)::integer = any (p_spec.hours)) then
      select min(h) into v_next from unnest(p_spec.hours) h where h > extract(hour from v_t);
      v_t := case when v_next is null then date_trunc('day', v_t) + interval '1 day'
        else date_trunc('day', v_t) + make_interval(hours => v_next) end;
      continue;
    end if;
    if not (extract(minute from v_t)::integer = any (p_spec.minutes)) then
      select min(m) into v_next from unnest(p_spec.minutes) m where m > extract(minute from v_t);
      v_t := case when v_next is null then date_trunc('hour', v_t) + interval '1 hour'
        else date_trunc('hour', v_t) + make_interval(mins => v_next) end;
      continue;
    end if;
    if not (floor(extract(second from v_t))::integer = any (p_spec.seconds)) then
      select min(s) into v_next from unnest(p_spec.seconds) s where s > floor(extract(second from v_t));
      v_t := case when v_next is null then date_trunc('minute', v_t) + interval '1 minute'
        else date_trunc('minute', v_t) + make_interval(secs => v_next) end;
      continue;
    end if;
    return v_t;
  end loop;
  return null;
end;
$$;

revoke execute on function scheduler_internal.cron_next_local(scheduler_internal.cron_spec, timestamp without time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_next_local(scheduler_internal.cron_spec,timestamp without time zone) to authenticated, service_role;
