-- the dispatcher heartbeat the dead-man check watches. One row.

create table scheduler_internal.dispatcher_heartbeat (
  id boolean primary key default true check (id),
  last_tick_at timestamptz,
  alerted_at timestamptz
);

comment on table scheduler_internal.dispatcher_heartbeat is 'When the dispatcher last claimed, and when admins were last told it stopped.';

alter table scheduler_internal.dispatcher_heartbeat enable row level security;

revoke all on table scheduler_internal.dispatcher_heartbeat from public, anon, authenticated;

grant select, update on table scheduler_internal.dispatcher_heartbeat to service_role;
