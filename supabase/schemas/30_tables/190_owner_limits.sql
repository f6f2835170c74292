-- owner_limits: fair sharing between owners in the claim, per owner. An
-- owner without a row has weight 1 and the owner_max_in_flight setting as
-- its cap. Admins set them; an owner reads their own.

create table scheduler.owner_limits (
  owner_id uuid primary key references auth.users (id) on delete cascade,
  max_in_flight integer,
  weight integer not null default 1,
  note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint owner_limits_max_in_flight_check check (max_in_flight between 1 and 1000000),
  constraint owner_limits_weight_check check (weight between 1 and 100),
  constraint owner_limits_note_check check (length(note) <= 1000)
);

comment on table scheduler.owner_limits is 'Per-owner flow control in the claim: a cap on runs in flight and a weight in the fair share between owners. Owners without a row: weight 1, the owner_max_in_flight setting.';

comment on column scheduler.owner_limits.max_in_flight is 'At most this many runs of the owner''s tasks claimed or running at once; null: the owner_max_in_flight setting (itself null: no cap).';

comment on column scheduler.owner_limits.weight is 'Turns per round in the claim''s fair share: an owner with weight 3 has three runs claimed for every one of an owner with weight 1 while both have work due.';

alter table scheduler.owner_limits enable row level security;

-- owner_limits: the owner and admins read; admins set them, and so does
-- service work (a backend that provisions tenants). The claim
-- (service_role) reads them
revoke all on table scheduler.owner_limits from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.owner_limits to authenticated, service_role;

create policy "Owner limits are visible to their owner and to admins" on scheduler.owner_limits
  for select to authenticated
  using (owner_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Owner limits can be set by admins" on scheduler.owner_limits
  for insert to authenticated
  with check ((select scheduler_internal.is_admin()));

create policy "Owner limits can be changed by admins" on scheduler.owner_limits
  for update to authenticated
  using ((select scheduler_internal.is_admin()))
  with check ((select scheduler_internal.is_admin()));

create policy "Owner limits can be removed by admins" on scheduler.owner_limits
  for delete to authenticated
  using ((select scheduler_internal.is_admin()));

create trigger _010_validate before insert or update on scheduler.owner_limits
for each row execute function scheduler_internal.tg_owner_limits__validate();

create trigger _100_set_updated_at before update on scheduler.owner_limits
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_audit after insert or update or delete on scheduler.owner_limits
for each row execute function scheduler_internal.tg__audit('owner_id');
