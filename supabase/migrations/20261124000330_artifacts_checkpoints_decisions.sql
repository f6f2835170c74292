-- seed 001's work products: artifacts of a task (seed 004's file_attachments
-- merged in: a stored file is an artifact whose ref is its storage path),
-- checkpoints of a project (agent_sessions merged in), and decisions.

create table scheduler.artifacts (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  type text not null default 'other',
  ref text not null,
  summary text,
  mime_type text,
  file_size bigint check (file_size is null or file_size >= 0),
  hash_checksum text,
  created_at timestamptz not null default now(),
  constraint artifacts_type_check check (type in ('diff', 'pr', 'test_report', 'document', 'file', 'other'))
);
comment on table scheduler.artifacts is 'Outputs of a task (seed 001) and attached files (seed 004 file_attachments: ref is the Storage path).';

create index artifacts_task_id_idx on scheduler.artifacts (task_id);
create index artifacts_run_id_idx on scheduler.artifacts (run_id);
create index artifacts_user_id_idx on scheduler.artifacts (user_id);
create index artifacts_type_idx on scheduler.artifacts (type);
create index artifacts_created_at_idx on scheduler.artifacts (created_at desc);
create index artifacts_task_created_idx on scheduler.artifacts (task_id, created_at desc);

alter table scheduler.artifacts enable row level security;
revoke all on scheduler.artifacts from anon;

create policy "Artifacts are visible to those who can see the task" on scheduler.artifacts
  for select to authenticated using (scheduler_internal.can_view_task(task_id));
create policy "Artifacts can be added by editors of the task" on scheduler.artifacts
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.can_edit_task(task_id));
create policy "Artifacts can be changed by editors of the task" on scheduler.artifacts
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));
create policy "Artifacts can be deleted by editors of the task" on scheduler.artifacts
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create table scheduler.checkpoints (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  label text not null,
  repo_ref text,
  summary text,
  resume_instructions text,
  snapshot jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table scheduler.checkpoints is 'Resumable project snapshots (seed 001; seed 001 agent_sessions merged here).';
create index checkpoints_project_id_idx on scheduler.checkpoints (project_id);
create index checkpoints_user_id_idx on scheduler.checkpoints (user_id);
create index checkpoints_created_at_idx on scheduler.checkpoints (created_at desc);
create index checkpoints_project_created_idx on scheduler.checkpoints (project_id, created_at desc);

create table scheduler.decisions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  options jsonb not null default '[]'::jsonb,
  choice text,
  rationale text,
  created_at timestamptz not null default now()
);
comment on table scheduler.decisions is 'Design decisions with options and rationale (seed 001).';
create index decisions_project_id_idx on scheduler.decisions (project_id);
create index decisions_user_id_idx on scheduler.decisions (user_id);
create index decisions_created_at_idx on scheduler.decisions (created_at desc);
create index decisions_project_created_idx on scheduler.decisions (project_id, created_at desc);

create or replace function scheduler_internal.owns_project(p_project_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.projects p where p.id = p_project_id and p.user_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;
comment on function scheduler_internal.owns_project(uuid) is 'Policy predicate: the caller owns the project or is an admin.';
revoke execute on function scheduler_internal.owns_project(uuid) from public, anon;
grant execute on function scheduler_internal.owns_project(uuid) to authenticated, service_role;

alter table scheduler.checkpoints enable row level security;
alter table scheduler.decisions enable row level security;
revoke all on scheduler.checkpoints, scheduler.decisions from anon;

create policy "Checkpoints are visible to the project owner and admins" on scheduler.checkpoints
  for select to authenticated using (scheduler_internal.owns_project(project_id));
create policy "Checkpoints can be saved by the project owner" on scheduler.checkpoints
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));
create policy "Checkpoints can be changed by the project owner and admins" on scheduler.checkpoints
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));
create policy "Checkpoints can be deleted by the project owner and admins" on scheduler.checkpoints
  for delete to authenticated using (scheduler_internal.owns_project(project_id));

create policy "Decisions are visible to the project owner and admins" on scheduler.decisions
  for select to authenticated using (scheduler_internal.owns_project(project_id));
create policy "Decisions can be recorded by the project owner" on scheduler.decisions
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));
create policy "Decisions can be changed by the project owner and admins" on scheduler.decisions
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));
create policy "Decisions can be deleted by the project owner and admins" on scheduler.decisions
  for delete to authenticated using (scheduler_internal.owns_project(project_id));
