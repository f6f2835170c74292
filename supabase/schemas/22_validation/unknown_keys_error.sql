create or replace function scheduler_internal.unknown_keys_error(p_payload jsonb, p_allowed text[]) returns text
language sql immutable
set search_path = ''
as $$
  select 'unknown field' || case when count(*) > 1 then 's ' else ' ' end || string_agg(k, ', ' order by k)
  from jsonb_object_keys(p_payload) k
  where k <> all (p_allowed)
  having count(*) > 0
$$;
