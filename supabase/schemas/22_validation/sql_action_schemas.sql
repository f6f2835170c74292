-- the schemas a sql task may name a function in: the sql_action_schemas
-- setting, as PostgREST's exposed schemas bound what rpc() reaches
create or replace function scheduler_internal.sql_action_schemas() returns text[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select array_agg(s #>> '{}') from jsonb_array_elements(scheduler_internal.setting('sql_action_schemas')) s
     where jsonb_typeof(scheduler_internal.setting('sql_action_schemas')) = 'array'),
    array['public'])
$$;

comment on function scheduler_internal.sql_action_schemas() is 'The sql_action_schemas setting: the schemas whose functions a sql task may call (default public).';

revoke execute on function scheduler_internal.sql_action_schemas() from public, anon, authenticated;

grant execute on function scheduler_internal.sql_action_schemas() to authenticated, service_role;
