-- task_dependencies (seed 000): prerequisite edges between tasks, with the
-- edge type deciding which outcome of the prerequisite satisfies it. cycles,
-- self-dependency included, are refused with the path that would close.

create table scheduler.task_dependencies (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  depends_on_task_id uuid not null references scheduler.tasks (id) on delete cascade,
  dependency_type text not null default 'success',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (task_id, depends_on_task_id),
  constraint task_dependencies_dependency_type_check check (dependency_type in ('success', 'failure', 'always')),
  constraint a_task_cannot_depend_on_itself check (task_id <> depends_on_task_id)
);

comment on table scheduler.task_dependencies is 'task_id waits for depends_on_task_id. dependency_type: success (its latest run completed), failure (its latest run failed), always (its latest run finished either way).';

create index task_dependencies_depends_on_task_id_idx on scheduler.task_dependencies (depends_on_task_id);

alter table scheduler.task_dependencies enable row level security;

-- task_dependencies: whoever sees the dependent task reads; its editors who
-- also see the prerequisite add, change and remove
revoke all on table scheduler.task_dependencies from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_dependencies to authenticated, service_role;

create policy "Dependencies are visible to those who can see the dependent task" on scheduler.task_dependencies
  for select to authenticated
  using (scheduler_internal.can_view_task(task_id));

create policy "Dependencies can be added by editors between tasks they can see" on scheduler.task_dependencies
  for insert to authenticated
  with check (scheduler_internal.can_edit_task(task_id) and scheduler_internal.can_view_task(depends_on_task_id));

create policy "Dependencies can be changed by editors between tasks they can see" on scheduler.task_dependencies
  for update to authenticated
  using (scheduler_internal.can_edit_task(task_id))
  with check (scheduler_internal.can_edit_task(task_id) and scheduler_internal.can_view_task(depends_on_task_id));

create policy "Dependencies can be removed by editors of the dependent task" on scheduler.task_dependencies
  for delete to authenticated
  using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_refuse_cycles before insert or update of task_id, depends_on_task_id on scheduler.task_dependencies
for each row execute function scheduler_internal.tg_task_dependencies__refuse_cycles();

create trigger _900_audit after insert or update or delete on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__audit('task_id');
