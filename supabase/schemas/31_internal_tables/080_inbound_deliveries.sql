-- the webhook-ids the inbound-events function has recorded, per owner: a
-- delivery sent again (Standard Webhooks senders retry with the same id)
-- answers with the event it recorded the first time. Pruned with its event.

create table scheduler_internal.inbound_deliveries (
  user_id uuid not null references auth.users (id) on delete cascade,
  webhook_id text not null check (length(webhook_id) between 1 and 255),
  -- deferred: the delivery claims its id first, then the event is inserted
  event_id uuid not null references scheduler.events (id) on delete cascade deferrable initially deferred,
  received_at timestamptz not null default now(),
  primary key (user_id, webhook_id)
);

comment on table scheduler_internal.inbound_deliveries is 'webhook-id of each event recorded by the inbound-events function, per owner, so a redelivery returns the existing event (scheduler.record_inbound_event). Deleted with its event (event_retention).';

create index inbound_deliveries_event_id_idx on scheduler_internal.inbound_deliveries (event_id);

alter table scheduler_internal.inbound_deliveries enable row level security;

revoke all on table scheduler_internal.inbound_deliveries from public, anon, authenticated, service_role;
