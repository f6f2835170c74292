-- idempotency keys: run_task_now's p_idempotency_key (per task) and
-- events.idempotency_key (per owner). One row per scope and key says which
-- run or event holds the key, and since when (its window is the
-- idempotency_window setting as it is when a repeat comes). A window cannot be a unique
-- index on the runs or events themselves (an index cannot say "within 24
-- hours", and events cannot be updated to give a key up), so the key lives
-- here: the primary key makes a duplicate collide even between concurrent
-- transactions at any isolation level, and a key past its window is taken
-- over by the next request that names it (scheduler_internal.claim_idempotency_key).
-- A row goes with the run or event it names (on delete cascade), so the
-- history's retention prunes the keys too. The references are deferred:
-- the key is taken before its run or event is inserted, in the same
-- transaction.

create table scheduler_internal.idempotency_keys (
  scope text not null check (scope in ('run_task_now', 'events')),
  scope_id uuid not null,
  key text not null check (length(key) between 1 and 255),
  run_id uuid references scheduler.task_runs (id) on delete cascade deferrable initially deferred,
  event_id uuid references scheduler.events (id) on delete cascade deferrable initially deferred,
  taken_at timestamptz not null,
  primary key (scope, scope_id, key),
  constraint idempotency_keys_one_target check (
    (scope = 'run_task_now' and run_id is not null and event_id is null)
    or (scope = 'events' and event_id is not null and run_id is null)
  )
);

comment on table scheduler_internal.idempotency_keys is 'Which run (run_task_now, scope_id = the task) or event (events, scope_id = the owner) holds an idempotency key, since taken_at; a repeat within the idempotency_window setting of taken_at collapses to it. Rows go with their run or event.';

create index idempotency_keys_run_id_idx on scheduler_internal.idempotency_keys (run_id) where run_id is not null;

create index idempotency_keys_event_id_idx on scheduler_internal.idempotency_keys (event_id) where event_id is not null;

alter table scheduler_internal.idempotency_keys enable row level security;

-- only the scheduler's own functions (run_task_now, the events trigger)
-- read and write it, as its owner
revoke all on table scheduler_internal.idempotency_keys from public, anon, authenticated, service_role;
