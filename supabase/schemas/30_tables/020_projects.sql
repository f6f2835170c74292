-- projects (seed 001): an optional grouping of tasks with project-level rules.

create table scheduler.projects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  description text,
  rules jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.projects is 'Groups tasks. rules holds project-level scope rules, gates and triggers (seed 001).';

comment on column scheduler.projects.user_id is 'Owner of the project.';

create index projects_user_id_idx on scheduler.projects (user_id);

alter table scheduler.projects enable row level security;

-- projects: authors create their own, owners and admins read, edit and delete
revoke all on table scheduler.projects from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.projects to authenticated, service_role;

create policy "Projects are visible to their owner and to admins" on scheduler.projects
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Projects can be created by authors for themselves" on scheduler.projects
  for insert to authenticated
  with check ((user_id = (select auth.uid()) and (select scheduler_internal.can_author())) or (select scheduler_internal.is_admin()));

create policy "Projects can be edited by their owner and by admins" on scheduler.projects
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Projects can be deleted by their owner and by admins" on scheduler.projects
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.projects
for each row execute function scheduler_internal.tg__set_updated_at();
