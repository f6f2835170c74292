-- the inbound-events function records a verified delivery: its webhook-id
-- is the event's idempotency_key, so a delivery sent again inside
-- idempotency_window collapses to the event recorded the first time
-- (duplicate true) and starts nothing. One mechanism for every event's key:
-- the events trigger takes it in the owner's scope (a hand-written insert
-- with the same key collapses the same way), and concurrent copies wait on
-- the first one's key. A definer: it records for the owner the signature
-- names, and reads which event holds the key.
create or replace function scheduler.record_inbound_event(p_user_id uuid, p_webhook_id text, p_event_type text, p_payload jsonb)
returns table (event_id uuid, duplicate boolean)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_id uuid := scheduler_internal.uuid_v7();
  v_existing uuid;
begin
  if p_user_id is null or p_webhook_id is null or length(p_webhook_id) not between 1 and 255 then
    raise exception 'record_inbound_event: a user and a webhook-id of 1 to 255 characters are required' using errcode = '22023';
  end if;
  -- the key's trigger drops a repeat before it exists: no row, nothing started
  insert into scheduler.events (id, event_type, payload, user_id, idempotency_key)
  values (v_id, p_event_type, p_payload, p_user_id, p_webhook_id);
  if found then
    return query select v_id, false;
    return;
  end if;
  select k.event_id into v_existing from scheduler_internal.idempotency_keys k
  where k.scope = 'events' and k.scope_id = p_user_id and k.key = p_webhook_id;
  return query select v_existing, true;
end;
$$;

comment on function scheduler.record_inbound_event(uuid, text, text, jsonb) is
  'service_role (the inbound-events function): records an event for p_user_id with the webhook-id as its idempotency_key; the same webhook-id again within the idempotency_window setting returns the existing event with duplicate = true.';

revoke execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) from public, anon, authenticated;

grant execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) to service_role;
