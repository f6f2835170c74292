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
