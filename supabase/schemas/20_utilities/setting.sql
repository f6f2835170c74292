create or replace function scheduler_internal.setting(p_key text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select value from scheduler_internal.settings where key = p_key
$$;

comment on function scheduler_internal.setting(text) is 'Reads an engine setting.';

revoke execute on function scheduler_internal.setting(text) from public, anon, authenticated;

grant execute on function scheduler_internal.setting(text) to service_role;
