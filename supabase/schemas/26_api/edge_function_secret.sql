-- what a function of the project verifies the edge-function action's calls
-- with: the owner's function_secret. service_role only, so only the
-- project's own server side can check (or make) such a signature.
create or replace function scheduler.edge_function_secret(p_user_id uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select s.function_secret from scheduler_internal.signing_secrets s where s.user_id = p_user_id
$$;

comment on function scheduler.edge_function_secret(uuid) is 'service_role: the secret the edge-function action signs p_user_id''s calls with (Standard Webhooks); null when the user has none.';

revoke execute on function scheduler.edge_function_secret(uuid) from public, anon, authenticated;

grant execute on function scheduler.edge_function_secret(uuid) to service_role;
