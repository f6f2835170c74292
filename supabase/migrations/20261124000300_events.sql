-- events (seeds 000 and 001): an append-only log. Inserting an event starts
-- the tasks subscribed to its name in task_event_triggers (engine, 0500+).

create table scheduler.events (
  id uuid primary key default gen_random_uuid(),
  event_type text not null check (length(event_type) between 1 and 200),
  payload jsonb not null default '{}'::jsonb,
  project_id uuid references scheduler.projects (id) on delete set null,
  task_id uuid references scheduler.tasks (id) on delete set null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now()
);
comment on table scheduler.events is 'Append-only event log (seed 001); event_type is the event''s name that task_event_triggers subscribe to (seed 000 name/type, details -> payload).';

create index events_project_id_idx on scheduler.events (project_id);
create index events_task_id_idx on scheduler.events (task_id) where task_id is not null;
create index events_user_id_idx on scheduler.events (user_id);
create index events_event_type_idx on scheduler.events (event_type);
create index events_created_at_idx on scheduler.events (created_at desc);
create index events_project_created_idx on scheduler.events (project_id, created_at desc);
create index events_task_created_idx on scheduler.events (task_id, created_at desc);
create index events_payload_idx on scheduler.events using gin (payload jsonb_path_ops);

create or replace function scheduler_internal.tg_events__append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- referential actions still apply: deleting a user removes their events,
  -- deleting a task or project clears the link (they run one trigger level down)
  if pg_catalog.pg_trigger_depth() > 1 then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  raise exception 'events are append-only: % is not allowed', lower(tg_op)
    using errcode = '42501';
end;
$$;
comment on function scheduler_internal.tg_events__append_only() is 'Keeps the event log immutable for everyone, service work included; only the foreign keys'' cascades may change it.';
create trigger _010_append_only before update or delete on scheduler.events
for each row execute function scheduler_internal.tg_events__append_only();

alter table scheduler.events enable row level security;
revoke all on scheduler.events from anon;
revoke update, delete, truncate on scheduler.events from authenticated, service_role;

create policy "Events are visible to their owner and to admins" on scheduler.events
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Events can be recorded by their owner" on scheduler.events
  for insert to authenticated
  with check (user_id = (select auth.uid()) and (task_id is null or scheduler_internal.can_view_task(task_id)));

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

create trigger _100_set_updated_at before update on scheduler.task_event_triggers
for each row execute function scheduler_internal.tg__set_updated_at();

alter table scheduler.task_event_triggers enable row level security;
revoke all on scheduler.task_event_triggers from anon;

create policy "Event triggers are visible to those who can see the task" on scheduler.task_event_triggers
  for select to authenticated using (scheduler_internal.can_view_task(task_id));
create policy "Event triggers can be added by editors of the task" on scheduler.task_event_triggers
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));
create policy "Event triggers can be changed by editors of the task" on scheduler.task_event_triggers
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));
create policy "Event triggers can be removed by editors of the task" on scheduler.task_event_triggers
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));
