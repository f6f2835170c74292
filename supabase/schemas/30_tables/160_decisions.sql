-- decisions (seed 001): design decisions of a project, with their options
-- and rationale.

create table scheduler.decisions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  options jsonb not null default '[]'::jsonb,
  choice text,
  rationale text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.decisions is 'Design decisions with options and rationale (seed 001).';

create index decisions_project_id_idx on scheduler.decisions (project_id);

create index decisions_user_id_idx on scheduler.decisions (user_id);

create index decisions_created_at_idx on scheduler.decisions (created_at desc);

create index decisions_project_created_idx on scheduler.decisions (project_id, created_at desc);

alter table scheduler.decisions enable row level security;

revoke all on table scheduler.decisions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.decisions to authenticated, service_role;

create policy "Decisions are visible to the project owner and admins" on scheduler.decisions
  for select to authenticated using (scheduler_internal.owns_project(project_id));

create policy "Decisions can be recorded by the project owner" on scheduler.decisions
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));

create policy "Decisions can be changed by the project owner and admins" on scheduler.decisions
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));

create policy "Decisions can be deleted by the project owner and admins" on scheduler.decisions
  for delete to authenticated using (scheduler_internal.owns_project(project_id));

create trigger _020_guard_attribution before update of user_id on scheduler.decisions
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.decisions
for each row execute function scheduler_internal.tg__set_updated_at();
