-- the claim's due index, off the wide tasks row (issue 17): one narrow row
-- per active, undeleted task with a next_run_at, kept equal to the task by
-- its triggers (tg_tasks__sync_due). With the due index here instead of on
-- scheduler.tasks, no index of tasks covers a column the claim changes
-- (next_run_at, last_run_at, updated_at), so its per-run advance of the task
-- is a HOT update that writes no index entry (it wrote one into each of the
-- task's 8 indexes, the 2 GIN ones included: bench/RESULTS.md, "Cost per
-- run"); this row's update writes two small ones. owner_id and priority are
-- here because the claim ranks due tasks by them, without reading the task.
create table scheduler_internal.due_tasks (
  task_id uuid primary key references scheduler.tasks (id) on delete cascade,
  next_run_at timestamptz not null,
  owner_id uuid not null,
  priority scheduler.task_priority not null
);

comment on table scheduler_internal.due_tasks is
  'The due index of the claim: next_run_at, owner_id and priority of every active, undeleted task with a next_run_at, kept by the tasks triggers (tg_tasks__sync_due). scheduler.tasks.next_run_at stays the column to read.';

-- the claim's hot path: what is due, in due order
create index due_tasks_next_run_at_idx on scheduler_internal.due_tasks (next_run_at, priority);

alter table scheduler_internal.due_tasks enable row level security;

revoke all on table scheduler_internal.due_tasks from public, anon, authenticated;

-- read by the claim, the dispatch plan and the dead-man check (service_role);
-- written only by the tasks triggers (definer)
grant select on table scheduler_internal.due_tasks to service_role;
