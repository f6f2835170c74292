-- keeps scheduler_internal.due_tasks equal to the tasks a statement wrote:
-- a row for each active, undeleted task with a next_run_at, none for the
-- others (a deleted task's row goes with it, by its foreign key). Statement
-- level, so the claim's advance of a batch is one insert of the batch; a row
-- that did not change is not rewritten. Definer: signed-in users write tasks,
-- never this table.
create or replace function scheduler_internal.tg_tasks__sync_due() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    -- one scan by key of the tasks that are no longer due: as a join of the
    -- transition table, on statistics that said due_tasks was empty, it
    -- compared every due row with every updated task (410,100 comparisons
    -- for a claim of 100, tests/engine/stale-statistics.test.ts)
    delete from scheduler_internal.due_tasks d
    where d.task_id = any (array(
      select n.id from new_tasks n where not (n.is_active and n.deleted_at is null and n.next_run_at is not null)));
  end if;
  insert into scheduler_internal.due_tasks as d (task_id, next_run_at, owner_id, priority)
  select n.id, n.next_run_at, n.owner_id, n.priority
  from new_tasks n
  -- and the task is still there (a cascade can update a task it has
  -- deleted): one primary-key probe per row (offset 0 keeps it a probe; a
  -- semi-join on stale statistics scanned the whole index per row)
  cross join lateral (select 1 from scheduler.tasks t where t.id = n.id offset 0) still
  where n.is_active and n.deleted_at is null and n.next_run_at is not null
  on conflict (task_id) do update
  set next_run_at = excluded.next_run_at, owner_id = excluded.owner_id, priority = excluded.priority
  where (d.next_run_at, d.owner_id, d.priority) is distinct from (excluded.next_run_at, excluded.owner_id, excluded.priority);
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__sync_due() is 'Keeps scheduler_internal.due_tasks (the claim''s due index) equal to the tasks a statement inserted or updated.';

revoke execute on function scheduler_internal.tg_tasks__sync_due() from public, anon, authenticated;
