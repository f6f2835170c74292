-- seed 001's work products: artifacts of a task (seed 004's file_attachments
-- merged in: a stored file is an artifact whose ref is its storage path),
-- checkpoints of a project (agent_sessions merged in), and decisions.

create table public.artifacts (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references public.tasks (id) on delete cascade,
  run_id uuid references public.task_runs (id) on delete set null,
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
comment on table public.artifacts is 'Outputs of a task (seed 001) and attached files (seed 004 file_attachments: ref is the Storage path).';

create index artifacts_task_id_idx on public.artifacts (task_id);
create index artifacts_run_id_idx on public.artifacts (run_id);
create index artifacts_user_id_idx on public.artifacts (user_id);
create index artifacts_type_idx on public.artifacts (type);
create index artifacts_created_at_idx on public.artifacts (created_at desc);
create index artifacts_task_created_idx on public.artifacts (task_id, created_at desc);

alter table public.artifacts enable row level security;
revoke all on public.artifacts from anon;

create policy "Artifacts are visible to those who can see the task" on public.artifacts
  for select to authenticated using (private.can_view_task(task_id));
create policy "Artifacts can be added by editors of the task" on public.artifacts
  for insert to authenticated with check (user_id = (select auth.uid()) and private.can_edit_task(task_id));
create policy "Artifacts can be changed by editors of the task" on public.artifacts
  for update to authenticated using (private.can_edit_task(task_id)) with check (private.can_edit_task(task_id));
create policy "Artifacts can be deleted by editors of the task" on public.artifacts
  for delete to authenticated using (private.can_edit_task(task_id));

create table public.checkpoints (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  label text not null,
  repo_ref text,
  summary text,
  resume_instructions text,
  snapshot jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.checkpoints is 'Resumable project snapshots (seed 001; seed 001 agent_sessions merged here).';
create index checkpoints_project_id_idx on public.checkpoints (project_id);
create index checkpoints_user_id_idx on public.checkpoints (user_id);
create index checkpoints_created_at_idx on public.checkpoints (created_at desc);
create index checkpoints_project_created_idx on public.checkpoints (project_id, created_at desc);

create table public.decisions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  options jsonb not null default '[]'::jsonb,
  choice text,
  rationale text,
  created_at timestamptz not null default now()
);
comment on table public.decisions is 'Design decisions with options and rationale (seed 001).';
create index decisions_project_id_idx on public.decisions (project_id);
create index decisions_user_id_idx on public.decisions (user_id);
create index decisions_created_at_idx on public.decisions (created_at desc);
create index decisions_project_created_idx on public.decisions (project_id, created_at desc);

create or replace function private.owns_project(p_project_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.projects p where p.id = p_project_id and p.user_id = (select auth.uid()))
      or (select private.is_admin())
$$;
comment on function private.owns_project(uuid) is 'Policy predicate: the caller owns the project or is an admin.';
revoke execute on function private.owns_project(uuid) from public, anon;
grant execute on function private.owns_project(uuid) to authenticated, service_role;

alter table public.checkpoints enable row level security;
alter table public.decisions enable row level security;
revoke all on public.checkpoints, public.decisions from anon;

create policy "Checkpoints are visible to the project owner and admins" on public.checkpoints
  for select to authenticated using (private.owns_project(project_id));
create policy "Checkpoints can be saved by the project owner" on public.checkpoints
  for insert to authenticated with check (user_id = (select auth.uid()) and private.owns_project(project_id));
create policy "Checkpoints can be changed by the project owner and admins" on public.checkpoints
  for update to authenticated using (private.owns_project(project_id)) with check (private.owns_project(project_id));
create policy "Checkpoints can be deleted by the project owner and admins" on public.checkpoints
  for delete to authenticated using (private.owns_project(project_id));

create policy "Decisions are visible to the project owner and admins" on public.decisions
  for select to authenticated using (private.owns_project(project_id));
create policy "Decisions can be recorded by the project owner" on public.decisions
  for insert to authenticated with check (user_id = (select auth.uid()) and private.owns_project(project_id));
create policy "Decisions can be changed by the project owner and admins" on public.decisions
  for update to authenticated using (private.owns_project(project_id)) with check (private.owns_project(project_id));
create policy "Decisions can be deleted by the project owner and admins" on public.decisions
  for delete to authenticated using (private.owns_project(project_id));
