-- artifacts (seed 001's work products, with seed 004's file_attachments
-- merged in: a stored file is an artifact whose ref is its Storage path).

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
  updated_at timestamptz not null default now(),
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

revoke all on table scheduler.artifacts from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.artifacts to authenticated, service_role;

create policy "Artifacts are visible to those who can see the task" on scheduler.artifacts
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Artifacts can be added by editors of the task" on scheduler.artifacts
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.can_edit_task(task_id));

create policy "Artifacts can be changed by editors of the task" on scheduler.artifacts
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Artifacts can be deleted by editors of the task" on scheduler.artifacts
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__check_run_link();

create trigger _020_guard_attribution before update of user_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.artifacts
for each row execute function scheduler_internal.tg__set_updated_at();
