-- what the inbound-events function verifies a delivery for p_user_id with
create or replace function scheduler.inbound_event_secret(p_user_id uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select s.inbound_secret from scheduler_internal.signing_secrets s where s.user_id = p_user_id
$$;

comment on function scheduler.inbound_event_secret(uuid) is 'service_role (the inbound-events function): p_user_id''s inbound secret; null when they have none (so nothing sent for them is accepted).';

revoke execute on function scheduler.inbound_event_secret(uuid) from public, anon, authenticated;

grant execute on function scheduler.inbound_event_secret(uuid) to service_role;
