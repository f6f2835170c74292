-- checkpoints (seed 001, with its agent_sessions merged in): resumable
-- snapshots of a project.

create table scheduler.checkpoints (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  label text not null,
  repo_ref text,
  summary text,
  resume_instructions text,
  snapshot jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.checkpoints is 'Resumable project snapshots (seed 001; seed 001 agent_sessions merged here).';

create index checkpoints_project_id_idx on scheduler.checkpoints (project_id);

create index checkpoints_user_id_idx on scheduler.checkpoints (user_id);

create index checkpoints_created_at_idx on scheduler.checkpoints (created_at desc);

create index checkpoints_project_created_idx on scheduler.checkpoints (project_id, created_at desc);

alter table scheduler.checkpoints enable row level security;

revoke all on table scheduler.checkpoints from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.checkpoints to authenticated, service_role;

create policy "Checkpoints are visible to the project owner and admins" on scheduler.checkpoints
  for select to authenticated using (scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be saved by the project owner" on scheduler.checkpoints
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be changed by the project owner and admins" on scheduler.checkpoints
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be deleted by the project owner and admins" on scheduler.checkpoints
  for delete to authenticated using (scheduler_internal.owns_project(project_id));

create trigger _020_guard_attribution before update of user_id on scheduler.checkpoints
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.checkpoints
for each row execute function scheduler_internal.tg__set_updated_at();
