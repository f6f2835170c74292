-- the states and kinds the data model shares, and the one updated_at trigger
-- function every mutable table uses. each enum is mirrored by a zod enum in
-- shared/domain.ts, and shared/domain.test.ts keeps the two equal.

create type scheduler.run_status as enum (
  'queued', 'awaiting_approval', 'running', 'completed', 'failed', 'cancelled', 'skipped'
);
comment on type scheduler.run_status is 'Lifecycle of a task run. Seed 000 states plus queued (waiting for its due time or a dispatcher) and awaiting_approval (held for a human decision).';

create type scheduler.task_priority as enum ('low', 'medium', 'high', 'critical');
comment on type scheduler.task_priority is 'Claim order: higher priorities are claimed first (enum order low < medium < high < critical).';

create type scheduler.profile_role as enum ('admin', 'user', 'viewer');
comment on type scheduler.profile_role is 'admin manages everything; user owns tasks; viewer only reads what is shared with them.';

create type scheduler.profile_status as enum ('active', 'inactive', 'suspended');

create or replace function scheduler_internal.tg__set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
comment on function scheduler_internal.tg__set_updated_at() is 'Shared before-update trigger: stamps updated_at on every mutable table.';

-- who is acting: a signed-in user, or the system (service_role, postgres,
-- pg_cron jobs). policies and guard triggers use these.
create or replace function scheduler_internal.acting_as_system() returns boolean
language sql stable
set search_path = ''
as $$
  select (select auth.uid()) is null
     and current_user not in ('anon', 'authenticated')
$$;
comment on function scheduler_internal.acting_as_system() is 'True for service work (service_role, postgres, pg_cron): no end-user identity in the request.';
grant execute on function scheduler_internal.acting_as_system() to authenticated, service_role;
