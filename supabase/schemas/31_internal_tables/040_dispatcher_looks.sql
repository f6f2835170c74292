-- who looks next, and when. One row. A writer whose work falls due before
-- that look wakes a dispatcher; the dispatcher's plan waits for such writers
-- (they hold this row FOR SHARE until they commit), so the plan sees them.
create table scheduler_internal.dispatcher_looks (
  id boolean primary key default true check (id),
  looker text,
  awake_until timestamptz,
  next_look_at timestamptz,
  planned_at timestamptz
);

comment on table scheduler_internal.dispatcher_looks is
  'The dispatcher invocation that is looking for due work (looker), until when it stays (awake_until), and when it claims next (next_look_at, null: nobody before the next minute''s tick).';

alter table scheduler_internal.dispatcher_looks enable row level security;

revoke all on table scheduler_internal.dispatcher_looks from public, anon, authenticated;

grant select, update on table scheduler_internal.dispatcher_looks to service_role;
