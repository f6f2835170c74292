-- task_permissions (seed 000): sharing a task with another user for viewing or
-- editing, the predicates every task-scoped policy uses, and the policies on
-- tasks themselves.

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

create trigger _100_set_updated_at before update on scheduler.task_permissions
for each row execute function scheduler_internal.tg__set_updated_at();

create or replace function scheduler_internal.can_view_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.tasks t
    where t.id = p_task_id
      and (
        t.owner_id = (select auth.uid())
        or exists (
          select 1 from scheduler.task_permissions p
          where p.task_id = t.id and p.user_id = (select auth.uid()) and p.can_view
        )
      )
  ) or (select scheduler_internal.is_admin())
$$;
comment on function scheduler_internal.can_view_task(uuid) is 'Policy predicate: the caller owns the task, has it shared for viewing, or is an admin.';

create or replace function scheduler_internal.can_edit_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.tasks t
    where t.id = p_task_id
      and (
        t.owner_id = (select auth.uid())
        or exists (
          select 1 from scheduler.task_permissions p
          join scheduler.profiles pr on pr.id = p.user_id
          where p.task_id = t.id and p.user_id = (select auth.uid()) and p.can_edit
            and pr.role <> 'viewer' and pr.status = 'active'
        )
      )
  ) or (select scheduler_internal.is_admin())
$$;
comment on function scheduler_internal.can_edit_task(uuid) is 'Policy predicate: the caller owns the task, has it shared for editing (and is not a viewer), or is an admin.';

create or replace function scheduler_internal.owns_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.tasks t where t.id = p_task_id and t.owner_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;
comment on function scheduler_internal.owns_task(uuid) is 'Policy predicate: the caller owns the task or is an admin (sharing is theirs to manage).';

revoke execute on function scheduler_internal.can_view_task(uuid), scheduler_internal.can_edit_task(uuid), scheduler_internal.owns_task(uuid) from public, anon;
grant execute on function scheduler_internal.can_view_task(uuid), scheduler_internal.can_edit_task(uuid), scheduler_internal.owns_task(uuid) to authenticated, service_role;

alter table scheduler.task_permissions enable row level security;
revoke all on scheduler.task_permissions from anon;

create policy "Task permissions are visible to the task owner, the grantee and admins" on scheduler.task_permissions
  for select to authenticated
  using (user_id = (select auth.uid()) or scheduler_internal.owns_task(task_id));
create policy "Task permissions can be granted by the task owner and admins" on scheduler.task_permissions
  for insert to authenticated
  with check (scheduler_internal.owns_task(task_id));
create policy "Task permissions can be changed by the task owner and admins" on scheduler.task_permissions
  for update to authenticated
  using (scheduler_internal.owns_task(task_id))
  with check (scheduler_internal.owns_task(task_id));
create policy "Task permissions can be revoked by the task owner and admins" on scheduler.task_permissions
  for delete to authenticated
  using (scheduler_internal.owns_task(task_id));

-- tasks: owners have full control, sharing grants view or edit, admins manage all
create policy "Tasks are visible to owners, sharees and admins" on scheduler.tasks
  for select to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_view_task(id));
create policy "Tasks can be created by authors for themselves" on scheduler.tasks
  for insert to authenticated
  with check ((owner_id = (select auth.uid()) and (select scheduler_internal.can_author())) or (select scheduler_internal.is_admin()));
create policy "Tasks can be edited by owners, editors and admins" on scheduler.tasks
  for update to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id))
  with check (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id));
create policy "Tasks can be deleted by owners and admins" on scheduler.tasks
  for delete to authenticated
  using (owner_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
