-- The app's schema, as Supabase's tutorials lay one out: profiles made by a
-- signup trigger, a todo list, the app's own notifications and events, and
-- a private schema for its definer functions.
create schema if not exists private;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text,
  created_at timestamptz not null default now()
);
alter table public.profiles enable row level security;
create policy "Users can see their own profile" on public.profiles for select to authenticated using ((select auth.uid()) = id);
create policy "Users can update their own profile" on public.profiles for update to authenticated using ((select auth.uid()) = id);
grant select, update on public.profiles to authenticated;

create function private.handle_new_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name) values (new.id, coalesce(new.raw_user_meta_data ->> 'name', new.email));
  return new;
end;
$$;
revoke execute on function private.handle_new_user() from public, anon, authenticated;
create trigger on_auth_user_created after insert on auth.users for each row execute function private.handle_new_user();

create table public.projects (
  id bigint generated always as identity primary key,
  owner_id uuid not null references public.profiles (id) on delete cascade,
  name text not null
);
create index projects_owner_id_idx on public.projects (owner_id);
alter table public.projects enable row level security;
create policy "Users manage their own projects" on public.projects for all to authenticated
  using ((select auth.uid()) = owner_id) with check ((select auth.uid()) = owner_id);
grant select, insert, update, delete on public.projects to authenticated;

create table public.tasks (
  id bigint generated always as identity primary key,
  project_id bigint references public.projects (id) on delete cascade,
  owner_id uuid not null references public.profiles (id) on delete cascade,
  title text not null,
  done boolean not null default false
);
create index tasks_project_id_idx on public.tasks (project_id);
create index tasks_owner_id_idx on public.tasks (owner_id);
alter table public.tasks enable row level security;
create policy "Users manage their own tasks" on public.tasks for all to authenticated
  using ((select auth.uid()) = owner_id) with check ((select auth.uid()) = owner_id);
grant select, insert, update, delete on public.tasks to authenticated;

create table public.notifications (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  body text not null,
  read boolean not null default false
);
create index notifications_user_id_idx on public.notifications (user_id);
alter table public.notifications enable row level security;
create policy "Users read their own notifications" on public.notifications for select to authenticated using ((select auth.uid()) = user_id);
grant select on public.notifications to authenticated;

create table public.events (
  id bigint generated always as identity primary key,
  user_id uuid references public.profiles (id) on delete set null,
  kind text not null,
  payload jsonb not null default '{}'
);
create index events_user_id_idx on public.events (user_id);
alter table public.events enable row level security;
create policy "Users record their own events" on public.events for insert to authenticated with check ((select auth.uid()) = user_id);
grant insert on public.events to authenticated;
