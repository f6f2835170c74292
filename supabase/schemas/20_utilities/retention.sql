create or replace function scheduler_internal.retention(p_key text) returns interval
language plpgsql stable
set search_path = ''
as $$
declare
  v_value jsonb := scheduler_internal.setting(p_key);
  v_retention interval;
begin
  -- a missing row or a json null keeps the rows forever
  if v_value is null or jsonb_typeof(v_value) = 'null' then
    return null;
  end if;
  begin
    v_retention := (v_value #>> '{}')::interval;
  exception when others then
    raise exception 'setting % = % is not an interval; write it like ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end;
  -- '7' reads as 7 seconds: refuse what is surely a missing unit
  if v_retention < interval '1 hour' then
    raise exception 'setting % = % is shorter than an hour; write the unit, e.g. ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end if;
  return v_retention;
end;
$$;

comment on function scheduler_internal.retention(text) is 'A retention setting as an interval: null when the setting is missing or null (keep forever); raises 22023 when it is not an interval or is shorter than an hour.';

revoke execute on function scheduler_internal.retention(text) from public, anon, authenticated, service_role;
