-- profiles: the seed designs' users table, keyed to auth.users. a trigger on
-- auth.users creates the profile; only admins change roles and status.

create table scheduler.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  username text unique,
  name text,
  first_name text,
  last_name text,
  role scheduler.profile_role not null default 'user',
  status scheduler.profile_status not null default 'active',
  last_login timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.profiles is 'One row per auth user: display data, role (admin/user/viewer) and status. Seeds 000 and 004 users.';

comment on column scheduler.profiles.role is 'admin sees and manages everything; viewer may only read. Changed by admins only.';

create index profiles_role_idx on scheduler.profiles (role) where role = 'admin';

create index profiles_status_idx on scheduler.profiles (status);

alter table scheduler.profiles enable row level security;

-- profiles: read and edited by their user and by admins (a trigger keeps
-- role, status and email from users); created by the auth.users trigger and
-- removed with the user, never by a client
revoke all on table scheduler.profiles from anon, authenticated, service_role;

grant select, update on table scheduler.profiles to authenticated;

grant select, insert, update, delete on table scheduler.profiles to service_role;

create policy "Profiles are visible to their user and to admins" on scheduler.profiles
  for select to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Profiles can be edited by their user and by admins" on scheduler.profiles
  for update to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.profiles
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _050_guard_role before update on scheduler.profiles
for each row execute function scheduler_internal.tg_profiles__guard_role();

create trigger _900_audit after insert or update or delete on scheduler.profiles
for each row execute function scheduler_internal.tg__audit('id');

create trigger scheduler_on_auth_user_created after insert on auth.users
for each row execute function scheduler_internal.tg_auth_users__create_profile();

create trigger scheduler_on_auth_user_email_changed after update of email on auth.users
for each row execute function scheduler_internal.tg_auth_users__sync_profile_email();
