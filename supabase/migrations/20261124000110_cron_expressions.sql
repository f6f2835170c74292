-- cron expressions in sql: a parser with errors that say which field and which
-- token is wrong, and scheduler.next_cron_time(), which evaluates an expression in
-- an iana timezone. the dialect and the dst rules follow croner (vixie cron),
-- so the database and the typescript side agree; docs/cron.md has the details
-- and tests/cron-differential.test.ts holds the two to it.

create type scheduler_internal.cron_spec as (
  seconds integer[],
  minutes integer[],
  hours integer[],
  days integer[],
  months integer[],
  dows integer[],
  dom_star boolean,
  dow_star boolean,
  fixed_time boolean
);
comment on type scheduler_internal.cron_spec is 'A parsed cron expression: allowed values per field, whether day-of-month / day-of-week are unrestricted (*), and whether it is a fixed-time job (single second, minute and hour: DST rules differ).';

create or replace function scheduler_internal.cron_fail(p_expression text, p_field text, p_message text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  raise exception 'invalid cron expression "%": % field: %', p_expression, p_field, p_message
    using errcode = '22023';
end;
$$;

create or replace function scheduler_internal.cron_parse_field(
  p_expression text, p_field_name text, p_text text, p_min integer, p_max integer
) returns integer[]
language plpgsql immutable
set search_path = ''
as $$
declare
  v_part text;
  v_base text;
  v_step integer;
  v_lo integer;
  v_hi integer;
  v_values integer[] := '{}';
  v_m text[];
  v_top integer := case when p_field_name = 'day-of-week' then 7 else p_max end;
begin
  if p_text ~ '[^0-9*,/-]' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('unsupported character "%s" in "%s" (L, W and # are not supported)', substring(p_text from '[^0-9*,/-]'), p_text));
  end if;
  foreach v_part in array string_to_array(p_text, ',') loop
    if v_part = '' then
      perform scheduler_internal.cron_fail(p_expression, p_field_name, format('empty list item in "%s"', p_text));
    end if;
    v_step := 1;
    v_base := v_part;
    if position('/' in v_part) > 0 then
      v_m := regexp_match(v_part, '^([^/]*)/([^/]*)$');
      if v_m is null or v_m[2] !~ '^[0-9]+$' then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('illegal step "%s"', v_part));
      end if;
      v_base := v_m[1];
      v_step := v_m[2]::integer;
      if v_step = 0 then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('step 0 in "%s"', v_part));
      end if;
      if v_step > p_max - p_min + 1 then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('step %s in "%s" is larger than the field (%s values)', v_step, v_part, p_max - p_min + 1));
      end if;
      if v_base !~ '^(\*|[0-9]+-[0-9]+)$' then
        perform scheduler_internal.cron_fail(p_expression, p_field_name,
          format('step "%s" needs * or a range before the slash (e.g. */%s or 0-30/%s)', v_part, v_step, v_step));
      end if;
    end if;

    if v_base = '*' then
      v_lo := p_min;
      v_hi := p_max;
    elsif v_base ~ '^[0-9]+-[0-9]+$' then
      v_lo := split_part(v_base, '-', 1)::integer;
      v_hi := split_part(v_base, '-', 2)::integer;
      if v_lo > v_hi then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('range "%s" runs backwards', v_base));
      end if;
    elsif v_base ~ '^[0-9]+$' then
      v_lo := v_base::integer;
      v_hi := v_lo;
    else
      perform scheduler_internal.cron_fail(p_expression, p_field_name, format('cannot read "%s"', v_part));
    end if;
    if v_lo < p_min or v_hi > v_top then
      perform scheduler_internal.cron_fail(p_expression, p_field_name,
        format('value %s out of range %s-%s', case when v_lo < p_min then v_lo else v_hi end, p_min, v_top));
    end if;
    v_values := v_values || array(select g from generate_series(v_lo, v_hi, v_step) g);
  end loop;
  if p_field_name = 'day-of-week' then
    v_values := array_replace(v_values, 7, 0);
  end if;
  return array(select distinct v from unnest(v_values) v order by v);
end;
$$;

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

create or replace function scheduler.validate_cron_expression(expression text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  perform scheduler_internal.cron_parse(expression);
end;
$$;
comment on function scheduler.validate_cron_expression(text) is 'Raises 22023 with a message naming the field and token when the cron expression does not parse; returns nothing when it does.';

create or replace function scheduler_internal.assert_valid_timezone(p_tz text) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if p_tz is null or p_tz !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
  end if;
  perform now() at time zone p_tz;
exception
  when invalid_parameter_value then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
end;
$$;
comment on function scheduler_internal.assert_valid_timezone(text) is 'Raises 22023 with a clear message unless p_tz is a timezone PostgreSQL knows.';
grant execute on function scheduler_internal.assert_valid_timezone(text) to authenticated, service_role;

-- the utc offset of an instant in a timezone
create or replace function scheduler_internal.tz_offset(p_at timestamptz, p_tz text) returns interval
language sql stable
set search_path = ''
as $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

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

revoke execute on function scheduler.next_cron_time(text, text, timestamptz), scheduler.validate_cron_expression(text) from public, anon;
grant execute on function scheduler.next_cron_time(text, text, timestamptz), scheduler.validate_cron_expression(text) to authenticated, service_role;
