-- size limits are measured on the JSON text, in bytes, as the value is
-- stored and sent; compact JSON (what clients send) is never longer, so a
-- client that checks the same limit never sends what this refuses
create or replace function scheduler_internal.json_size_error(p_field text, p_value jsonb, p_max_bytes integer) returns text
language sql immutable
set search_path = ''
as $$
  select case when octet_length(p_value::text) > p_max_bytes
    then p_field || ': is ' || octet_length(p_value::text) || ' bytes of JSON; the limit is ' || p_max_bytes
  end
$$;

comment on function scheduler_internal.json_size_error(text, jsonb, integer) is 'The message for a JSON value over its size limit (bytes of its JSON text), naming the field and the limit; null when it fits.';

revoke execute on function scheduler_internal.json_size_error(text, jsonb, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.json_size_error(text, jsonb, integer) to authenticated, service_role;
