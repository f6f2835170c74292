create or replace function scheduler_internal.string_length_error(p_payload jsonb, p_key text, p_min integer, p_max integer, p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' then p_key || ': must be a string'
    when length(p_payload ->> p_key) not between p_min and p_max
      then p_key || ': must be ' || p_min || ' to ' || p_max || ' characters'
  end
$$;

revoke execute on function scheduler_internal.string_length_error(jsonb, text, integer, integer, boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.string_length_error(jsonb,text,integer,integer,boolean) to authenticated, service_role;
