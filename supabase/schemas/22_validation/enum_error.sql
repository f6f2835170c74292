create or replace function scheduler_internal.enum_error(p_payload jsonb, p_key text, p_allowed text[], p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' or (p_payload ->> p_key) <> all (p_allowed)
      then p_key || ': must be one of ' || array_to_string(p_allowed, ', ')
  end
$$;

revoke execute on function scheduler_internal.enum_error(jsonb, text, text[], boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.enum_error(jsonb,text,text[],boolean) to authenticated, service_role;
