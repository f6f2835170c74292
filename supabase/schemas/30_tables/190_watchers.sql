-- watchers (seed 004): the state of a watch task, one row per task. A
-- watcher is a task with action_type `watch`: its schedule is the poll
-- schedule, its action_payload the source and how items are picked out
-- (seed 004's watcher_type and config), its is_active and created_by the
-- seed's. This row holds what the polls keep between them; the seen-set is
-- watcher_seen_items. It is made, reset and removed by the task's triggers
-- (tg_tasks__sync_watcher) and written by the watch action's two functions
-- (record_watcher_poll, record_watcher_error), never by a signed-in user.

create table scheduler.watchers (
  task_id uuid primary key references scheduler.tasks (id) on delete cascade,
  last_run timestamptz,
  last_success_at timestamptz,
  last_error text,
  error_count integer not null default 0,
  cursor jsonb,
  paused_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint watchers_error_count_check check (error_count >= 0),
  constraint watchers_last_error_length check (length(last_error) <= 2000)
);

comment on table scheduler.watchers is 'The state a watch task keeps between polls (seed 004 watchers: watcher_type and config are the task''s action_payload, is_active and created_by the task''s). One row per watch task, made by its trigger.';

comment on column scheduler.watchers.last_run is 'When the last poll ended, whether it succeeded or failed (seed 004).';

comment on column scheduler.watchers.last_success_at is 'When the last poll succeeded; null until the first, which seeds the seen-set without events under seed_first_poll.';

comment on column scheduler.watchers.last_error is 'The last poll''s error (seed 004); kept after a success for the record, error_count says whether it is current.';

comment on column scheduler.watchers.error_count is 'Failed polls in a row (seed 004); 0 after a success or a resume. Each one backs the next poll off; pause_after_errors of them pause the task.';

comment on column scheduler.watchers.cursor is 'The high-water mark: the largest cursor value emitted (mode items with cursor), or the hash of the last response (mode hash).';

comment on column scheduler.watchers.paused_at is 'When the watcher paused itself (tasks.is_active false) after pause_after_errors failed polls in a row; cleared when the task is resumed.';

alter table scheduler.watchers enable row level security;

-- watchers: whoever sees the task reads its state; only service work writes
-- it (the task's triggers as definer, the watch action as service_role)
revoke all on table scheduler.watchers from anon, authenticated, service_role;

grant select on table scheduler.watchers to authenticated;

grant select, insert, update, delete on table scheduler.watchers to service_role;

create policy "Watchers are visible to those who can see their task" on scheduler.watchers
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create trigger _100_set_updated_at before update on scheduler.watchers
for each row execute function scheduler_internal.tg__set_updated_at();
