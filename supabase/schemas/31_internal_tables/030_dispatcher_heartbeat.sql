-- the dispatcher heartbeat the dead-man check watches. One row.

create table scheduler_internal.dispatcher_heartbeat (
  id boolean primary key default true check (id),
  last_tick_at timestamptz,
  alerted_at timestamptz,
  -- who was told it stopped, so the same people hear that it is back
  alerted_user_ids uuid[] not null default '{}',
  -- a dispatcher that never ticked (a fresh install missing its Vault
  -- entries) has been silent since the scheduler was installed
  watching_since timestamptz not null default now()
);

comment on table scheduler_internal.dispatcher_heartbeat is 'When the dispatcher last claimed; whether (and whom) the dead-man check has told that it stopped, until it claims again.';

alter table scheduler_internal.dispatcher_heartbeat enable row level security;

revoke all on table scheduler_internal.dispatcher_heartbeat from public, anon, authenticated;

grant select, update on table scheduler_internal.dispatcher_heartbeat to service_role;
