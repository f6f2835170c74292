create or replace function scheduler_internal.tg_task_dependencies__refuse_cycles() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_path uuid[];
  v_names text;
begin
  if new.task_id = new.depends_on_task_id then
    raise exception 'dependency cycle: task "%" cannot depend on itself',
      (select t.name from scheduler.tasks t where t.id = new.task_id)
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
  if v_path is not null then
    -- tasks by name, as far as the writer may see them (the check itself sees
    -- every edge, so it cannot be fooled by what is hidden)
    select pg_catalog.string_agg(
             case when (select auth.uid()) is null or scheduler_internal.can_view_task(p.id) then '"' || t.name || '"' else 'a task you cannot see' end,
             ' -> ' order by p.ord)
      into v_names
    from unnest(v_path) with ordinality p(id, ord)
    join scheduler.tasks t on t.id = p.id;
    raise exception 'dependency cycle: this would close %', v_names
      using errcode = '23514';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_dependencies__refuse_cycles() is 'Refuses an edge that would close a dependency cycle, naming the path by the tasks the writer can see.';

revoke execute on function scheduler_internal.tg_task_dependencies__refuse_cycles() from public, anon, authenticated;
