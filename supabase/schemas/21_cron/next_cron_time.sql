create or replace function scheduler.next_cron_time(expression text, tz text, after timestamptz) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_spec scheduler_internal.cron_spec;
  v_result timestamptz;
  v_local timestamp;
  v_r record;
  v_transition timestamptz;
  v_second_pass timestamptz;
begin
  if expression is null or tz is null or after is null then
    return null;
  end if;
  v_spec := scheduler_internal.cron_parse(expression);
  perform scheduler_internal.assert_valid_timezone(tz);
  v_local := date_trunc('second', after at time zone tz);
  v_result := scheduler_internal.cron_walk(v_spec, tz, v_local, after);

  -- an interval job whose reference lies on the first pass of a repeated
  -- (fall-back) range still has the second pass ahead of it
  if not v_spec.fixed_time then
    select * into v_r from scheduler_internal.tz_resolve(v_local, tz);
    if v_r.kind = 'ambiguous' and date_trunc('second', after) < v_r.later then
      v_transition := scheduler_internal.tz_transition(date_trunc('second', after), date_trunc('second', after) + interval '1 day', tz);
      if v_result is null or v_result >= v_transition then
        v_second_pass := scheduler_internal.cron_walk(v_spec, tz, (v_transition at time zone tz) - interval '1 second', v_transition - interval '1 microsecond');
        if v_second_pass is not null and (v_result is null or v_second_pass < v_result) then
          v_result := v_second_pass;
        end if;
      end if;
    end if;
  end if;
  return v_result;
end;
$$;

comment on function scheduler.next_cron_time(text, text, timestamptz) is 'The first instant strictly after `after` matching the cron expression in IANA timezone tz (5 or 6 fields, names, ranges, steps, lists, macros; DOM/DOW combine with OR). Agrees with croner; see docs/cron.md.';

revoke execute on function scheduler.next_cron_time(text, text, timestamptz) from public, anon;

grant execute on function scheduler.next_cron_time(text, text, timestamptz) to authenticated, service_role;
