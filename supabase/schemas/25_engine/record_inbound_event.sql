-- the inbound-events function records a verified delivery: once per
-- webhook-id and owner. A delivery sent again returns the event recorded the
-- first time (duplicate true) and starts nothing; concurrent copies wait on
-- the first one's key.
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
  insert into scheduler_internal.inbound_deliveries (user_id, webhook_id, event_id)
  values (p_user_id, p_webhook_id, v_id)
  on conflict (user_id, webhook_id) do nothing;
  if not found then
    select d.event_id into v_existing from scheduler_internal.inbound_deliveries d
    where d.user_id = p_user_id and d.webhook_id = p_webhook_id;
    return query select v_existing, true;
    return;
  end if;
  insert into scheduler.events (id, event_type, payload, user_id) values (v_id, p_event_type, p_payload, p_user_id);
  return query select v_id, false;
end;
$$;

comment on function scheduler.record_inbound_event(uuid, text, text, jsonb) is
  'service_role (the inbound-events function): records an event for p_user_id once per webhook-id; a repeated webhook-id returns the existing event with duplicate = true.';

revoke execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) from public, anon, authenticated;

grant execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) to service_role;
