create or replace function scheduler_internal.cron_parse(p_expression text) returns scheduler_internal.cron_spec
language plpgsql immutable
set search_path = ''
as $$
declare
  v_text text := btrim(coalesce(p_expression, ''));
  v_fields text[];
  v_spec scheduler_internal.cron_spec;
  v_name text;
  v_i integer;
  v_months constant text[] := array['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'];
  v_days constant text[] := array['sun','mon','tue','wed','thu','fri','sat'];
  v_single constant text := '^[0-9]+$';
begin
  if v_text = '' then
    raise exception 'invalid cron expression "%": it is empty', coalesce(p_expression, '')
      using errcode = '22023';
  end if;
  -- the claim evaluates expressions: a bounded one costs microseconds, a
  -- 20,000-character list took seconds per evaluation
  if length(v_text) > 256 then
    raise exception 'invalid cron expression "%...": it is % characters long; the limit is 256', left(v_text, 40), length(v_text)
      using errcode = '22023';
  end if;
  if v_text like '@%' then
    v_text := case lower(v_text)
      when '@yearly' then '0 0 1 1 *'
      when '@annually' then '0 0 1 1 *'
      when '@monthly' then '0 0 1 * *'
      when '@weekly' then '0 0 * * 0'
      when '@daily' then '0 0 * * *'
      when '@midnight' then '0 0 * * *'
      when '@hourly' then '0 * * * *'
    end;
    if v_text is null then
      raise exception 'invalid cron expression "%": unknown macro (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)', p_expression
        using errcode = '22023';
    end if;
  end if;
  v_fields := regexp_split_to_array(v_text, '\s+');
  if array_length(v_fields, 1) = 5 then
    v_fields := array['0'] || v_fields;
  elsif array_length(v_fields, 1) <> 6 then
    raise exception 'invalid cron expression "%": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got %',
      p_expression, array_length(v_fields, 1)
      using errcode = '22023';
  end if;
  for v_i in 1..6 loop
    v_fields[v_i] := replace(v_fields[v_i], '?', '*');
  end loop;
  -- names, as croner reads them: only in fields of three characters or more
  if length(v_fields[5]) >= 3 then
    for v_i in 1..12 loop
      v_fields[5] := regexp_replace(v_fields[5], v_months[v_i], v_i::text, 'gi');
    end loop;
  end if;
  if length(v_fields[6]) >= 3 then
    v_fields[6] := regexp_replace(v_fields[6], '-sun', '-7', 'gi');
    for v_i in 1..7 loop
      v_fields[6] := regexp_replace(v_fields[6], v_days[v_i], (v_i - 1)::text, 'gi');
    end loop;
  end if;

  v_spec.seconds := scheduler_internal.cron_parse_field(p_expression, 'second', v_fields[1], 0, 59);
  v_spec.minutes := scheduler_internal.cron_parse_field(p_expression, 'minute', v_fields[2], 0, 59);
  v_spec.hours := scheduler_internal.cron_parse_field(p_expression, 'hour', v_fields[3], 0, 23);
  v_spec.days := scheduler_internal.cron_parse_field(p_expression, 'day-of-month', v_fields[4], 1, 31);
  v_spec.months := scheduler_internal.cron_parse_field(p_expression, 'month', v_fields[5], 1, 12);
  v_spec.dows := scheduler_internal.cron_parse_field(p_expression, 'day-of-week', v_fields[6], 0, 6);
  v_spec.dom_star := v_fields[4] = '*';
  v_spec.dow_star := v_fields[6] = '*';
  v_spec.fixed_time := v_fields[1] ~ v_single and v_fields[2] ~ v_single and v_fields[3] ~ v_single;
  return v_spec;
end;
$$;

comment on function scheduler_internal.cron_parse(text) is 'Parses a cron expression into a cron_spec, raising 22023 with the field and token at fault.';

revoke execute on function scheduler_internal.cron_parse(text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_parse(text) to authenticated, service_role;
