create or replace function scheduler_internal.unknown_keys_error(p_payload jsonb, p_allowed text[]) returns text
language sql immutable
set search_path = ''
as $$
  select 'unknown field' || case when count(*) > 1 then 's ' else ' ' end || string_agg(k, ', ' order by k)
  from jsonb_object_keys(p_payload) k
  where k <> all (p_allowed)
  having count(*) > 0
$$;

revoke execute on function scheduler_internal.unknown_keys_error(jsonb, text[]) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.unknown_keys_error(jsonb,text[]) to authenticated, service_role;
