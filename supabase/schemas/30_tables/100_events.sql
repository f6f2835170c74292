-- events (seeds 000 and 001): an append-only log. Inserting an event starts
-- the tasks subscribed to its name in task_event_triggers (the engine).

create table scheduler.events (
  id uuid primary key default scheduler_internal.uuid_v7(),
  event_type text not null check (length(event_type) between 1 and 200),
  payload jsonb not null default '{}'::jsonb,
  project_id uuid references scheduler.projects (id) on delete set null,
  task_id uuid references scheduler.tasks (id) on delete set null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  -- a sender's key for this event (a webhook-id): a second event of the same
  -- owner with the same key inside idempotency_window is not recorded
  idempotency_key text
);


comment on table scheduler.events is 'Append-only event log (seed 001); event_type is the event''s name that task_event_triggers subscribe to (seed 000 name/type, details -> payload).';

comment on column scheduler.events.idempotency_key is 'The sender''s key for the event (e.g. a webhook-id). Another event of the same owner with the same key inside the idempotency_window setting (24 hours) is not recorded and starts nothing: webhooks are delivered twice.';

create index events_project_id_idx on scheduler.events (project_id);

create index events_task_id_idx on scheduler.events (task_id) where task_id is not null;

create index events_user_id_idx on scheduler.events (user_id);

create index events_event_type_idx on scheduler.events (event_type);

create index events_created_at_idx on scheduler.events (created_at desc);

create index events_project_created_idx on scheduler.events (project_id, created_at desc);

create index events_task_created_idx on scheduler.events (task_id, created_at desc);

-- an owner finds the event a key recorded
create index events_user_id_idempotency_key_idx on scheduler.events (user_id, idempotency_key, created_at desc)
where idempotency_key is not null;

create index events_payload_idx on scheduler.events using gin (payload jsonb_path_ops);

alter table scheduler.events enable row level security;

-- events: their owner and admins read; the owner records them; append-only
-- for everyone (a trigger refuses update and delete, service work included)
revoke all on table scheduler.events from anon, authenticated, service_role;

grant select, insert on table scheduler.events to authenticated, service_role;

create policy "Events are visible to their owner and to admins" on scheduler.events
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Events can be recorded by their owner" on scheduler.events
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (task_id is null or scheduler_internal.can_view_task(task_id))
    and (project_id is null or scheduler_internal.owns_project(project_id))
  );

create trigger _005_validate before insert on scheduler.events
for each row execute function scheduler_internal.tg_events__validate();

-- after validation (the key's length), before the row exists: a duplicate
-- is dropped here, so it starts nothing
create trigger _006_collapse_duplicates before insert on scheduler.events
for each row when (new.idempotency_key is not null)
execute function scheduler_internal.tg_events__collapse_duplicates();

create trigger _010_append_only before update or delete on scheduler.events
for each row execute function scheduler_internal.tg_events__append_only();

create trigger _010_append_only_truncate before truncate on scheduler.events
for each statement execute function scheduler_internal.tg_events__append_only();

create trigger _900_start_subscribed_tasks after insert on scheduler.events
referencing new table as new_events
for each statement execute function scheduler_internal.tg_events__start_subscribed_tasks();
