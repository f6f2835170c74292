create or replace function scheduler_internal.int_range_error(p_payload jsonb, p_key text, p_min numeric, p_max numeric) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then null
    when jsonb_typeof(p_payload -> p_key) <> 'number' or (p_payload ->> p_key)::numeric <> trunc((p_payload ->> p_key)::numeric)
      then p_key || ': must be an integer'
    when (p_payload ->> p_key)::numeric not between p_min and p_max
      then p_key || ': must be between ' || p_min || ' and ' || p_max
  end
$$;

revoke execute on function scheduler_internal.int_range_error(jsonb, text, numeric, numeric) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.int_range_error(jsonb,text,numeric,numeric) to authenticated, service_role;
