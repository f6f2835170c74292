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
  -- no field has a value of 100 or more, nor a step of 1000: refused before
  -- any cast, which would overflow on a long number (22003) instead of
  -- saying what is wrong
  if p_text ~ '(^|[,-])0*[1-9][0-9]{2,}' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('value %s out of range %s-%s', left((regexp_match(p_text, '(?:^|[,-])0*([1-9][0-9]{2,})'))[1], 20), p_min, v_top));
  end if;
  if p_text ~ '/0*[1-9][0-9]{3,}' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('step %s is larger than the field (%s values)', left((regexp_match(p_text, '/0*([1-9][0-9]{3,})'))[1], 20), p_max - p_min + 1));
  end if;
  if array_length(string_to_array(p_text, ','), 1) > 60 then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('%s list items; the limit is 60', array_length(string_to_array(p_text, ','), 1)));
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

revoke execute on function scheduler_internal.cron_parse_field(text, text, text, integer, integer) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_parse_field(text,text,text,integer,integer) to authenticated, service_role;
