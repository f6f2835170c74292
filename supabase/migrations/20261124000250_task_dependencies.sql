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

create trigger _100_set_updated_at before update on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__set_updated_at();

create or replace function scheduler_internal.tg_task_dependencies__refuse_cycles() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_path uuid[];
begin
  if new.task_id = new.depends_on_task_id then
    raise exception 'dependency cycle: task % cannot depend on itself', new.task_id
      using errcode = '23514';
  end if;
  -- serialise edge changes so two concurrent inserts cannot close a cycle between them
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduler.task_dependencies'));
  with recursive reach (node, path) as (
    select d.depends_on_task_id, array[new.task_id, new.depends_on_task_id, d.depends_on_task_id]
    from scheduler.task_dependencies d
    where d.task_id = new.depends_on_task_id
    union all
    select d.depends_on_task_id, r.path || d.depends_on_task_id
    from reach r
    join scheduler.task_dependencies d on d.task_id = r.node
    where d.depends_on_task_id <> all (r.path[2:])
  )
  select path into v_path from reach where node = new.task_id limit 1;
  if new.depends_on_task_id = new.task_id or v_path is not null then
    raise exception 'dependency cycle: % already depends on % (path %)',
      new.depends_on_task_id, new.task_id, pg_catalog.array_to_string(v_path, ' -> ')
      using errcode = '23514';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_task_dependencies__refuse_cycles() is 'Refuses an edge that would close a dependency cycle, naming the path.';
revoke execute on function scheduler_internal.tg_task_dependencies__refuse_cycles() from public, anon, authenticated;

create trigger _010_refuse_cycles before insert or update of task_id, depends_on_task_id on scheduler.task_dependencies
for each row execute function scheduler_internal.tg_task_dependencies__refuse_cycles();

alter table scheduler.task_dependencies enable row level security;
revoke all on scheduler.task_dependencies from anon;

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
