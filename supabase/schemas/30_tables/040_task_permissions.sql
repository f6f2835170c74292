-- task_permissions (seed 000): sharing a task with another user for viewing or
-- editing.

create table scheduler.task_permissions (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  can_view boolean not null default true,
  can_edit boolean not null default false,
  granted_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (task_id, user_id),
  constraint editing_implies_viewing check (not can_edit or can_view)
);

comment on table scheduler.task_permissions is 'Shares a task with another user: can_view to read it and its runs, can_edit to change it. A viewer never writes.';

create index task_permissions_user_id_idx on scheduler.task_permissions (user_id);

create index task_permissions_granted_by_idx on scheduler.task_permissions (granted_by);

alter table scheduler.task_permissions enable row level security;

-- task_permissions: the task owner, the grantee and admins read; the task
-- owner and admins share, change and revoke
revoke all on table scheduler.task_permissions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_permissions to authenticated, service_role;

create policy "Task permissions are visible to the task owner, the grantee and admins" on scheduler.task_permissions
  for select to authenticated
  using (user_id = (select auth.uid()) or scheduler_internal.owns_task(task_id));

create policy "Task permissions can be changed by the task owner and admins" on scheduler.task_permissions
  for update to authenticated
  using (scheduler_internal.owns_task(task_id))
  with check (scheduler_internal.owns_task(task_id));

create policy "Task permissions can be revoked by the task owner and admins" on scheduler.task_permissions
  for delete to authenticated
  using (scheduler_internal.owns_task(task_id));

create policy "Task permissions can be granted by the task owner and admins" on scheduler.task_permissions
  for insert to authenticated
  with check (
    scheduler_internal.owns_task(task_id)
    and (granted_by = (select auth.uid()) or (select scheduler_internal.is_admin()))
  );

create trigger _100_set_updated_at before update on scheduler.task_permissions
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_audit after insert or update or delete on scheduler.task_permissions
for each row execute function scheduler_internal.tg__audit('task_id');

create trigger _020_guard_attribution before update of granted_by on scheduler.task_permissions
for each row execute function scheduler_internal.tg__guard_attribution('granted_by');
