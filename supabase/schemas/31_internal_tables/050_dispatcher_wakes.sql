-- the debounce: when a wake was last sent. A separate row from the looks, so
-- a writer never upgrades its share lock there (two writers would deadlock)
create table scheduler_internal.dispatcher_wakes (
  id boolean primary key default true check (id),
  last_wake_at timestamptz,
  last_reason text,
  wakes bigint not null default 0
);

comment on table scheduler_internal.dispatcher_wakes is 'When writes last woke a dispatcher (debounce), why, and how many times in all.';

alter table scheduler_internal.dispatcher_wakes enable row level security;

revoke all on table scheduler_internal.dispatcher_wakes from public, anon, authenticated;

grant select on table scheduler_internal.dispatcher_wakes to service_role;
