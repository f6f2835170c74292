create or replace function scheduler_internal.json_type_error(p_payload jsonb, p_key text, p_type text) returns text
language sql immutable
set search_path = ''
as $$
  select case when p_payload ? p_key and jsonb_typeof(p_payload -> p_key) <> p_type
    then p_key || ': must be a ' || p_type end
$$;

revoke execute on function scheduler_internal.json_type_error(jsonb, text, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.json_type_error(jsonb,text,text) to authenticated, service_role;
