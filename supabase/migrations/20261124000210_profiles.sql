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

create trigger _100_set_updated_at before update on scheduler.profiles
for each row execute function scheduler_internal.tg__set_updated_at();

alter table scheduler.profiles enable row level security;

-- predicate helpers: security definer so policies can read profiles without
-- recursing into profiles' own policies
create or replace function scheduler_internal.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role = 'admin' and status = 'active'
  )
$$;
comment on function scheduler_internal.is_admin() is 'Policy predicate: the caller is an active admin.';

create or replace function scheduler_internal.can_author() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role in ('admin', 'user') and status = 'active'
  )
$$;
comment on function scheduler_internal.can_author() is 'Policy predicate: the caller may create things of their own (active admin or user, not viewer).';

revoke execute on function scheduler_internal.is_admin(), scheduler_internal.can_author() from public, anon;
grant execute on function scheduler_internal.is_admin(), scheduler_internal.can_author() to authenticated, service_role;

create or replace function scheduler_internal.tg_auth_users__create_profile() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into scheduler.profiles (id, email, name)
  values (
    new.id,
    new.email,
    coalesce(new.raw_user_meta_data ->> 'name', new.raw_user_meta_data ->> 'full_name', pg_catalog.split_part(new.email, '@', 1))
  )
  on conflict (id) do nothing;
  return new;
end;
$$;
comment on function scheduler_internal.tg_auth_users__create_profile() is 'Creates the profile of every new auth user.';
revoke execute on function scheduler_internal.tg_auth_users__create_profile() from public, anon, authenticated;

create trigger scheduler_on_auth_user_created after insert on auth.users
for each row execute function scheduler_internal.tg_auth_users__create_profile();

create or replace function scheduler_internal.tg_profiles__guard_role() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.role is distinct from old.role or new.status is distinct from old.status or new.id is distinct from old.id)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a profile''s role or status'
      using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_profiles__guard_role() is 'Stops users from raising their own role or status.';

create trigger _050_guard_role before update on scheduler.profiles
for each row execute function scheduler_internal.tg_profiles__guard_role();

revoke all on scheduler.profiles from anon;
revoke insert, delete on scheduler.profiles from authenticated;

create policy "Profiles are visible to their user and to admins" on scheduler.profiles
  for select to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Profiles can be edited by their user and by admins" on scheduler.profiles
  for update to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (id = (select auth.uid()) or (select scheduler_internal.is_admin()));
