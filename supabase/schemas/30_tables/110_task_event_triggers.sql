-- task_event_triggers (seed 000): which tasks an event starts
create table scheduler.task_event_triggers (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  event_name text not null check (length(event_name) between 1 and 200),
  payload_filter jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint task_event_triggers_task_event_key unique (task_id, event_name)
);

comment on table scheduler.task_event_triggers is 'Subscribes a task to events named event_name; payload_filter must be contained in the event payload (@>).';

create index task_event_triggers_event_name_idx on scheduler.task_event_triggers (event_name);

alter table scheduler.task_event_triggers enable row level security;

-- task_event_triggers: whoever sees the task reads; its editors subscribe,
-- change and unsubscribe it
revoke all on table scheduler.task_event_triggers from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_event_triggers to authenticated, service_role;

create policy "Event triggers are visible to those who can see the task" on scheduler.task_event_triggers
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Event triggers can be added by editors of the task" on scheduler.task_event_triggers
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Event triggers can be changed by editors of the task" on scheduler.task_event_triggers
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Event triggers can be removed by editors of the task" on scheduler.task_event_triggers
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.task_event_triggers
for each row execute function scheduler_internal.tg__set_updated_at();
