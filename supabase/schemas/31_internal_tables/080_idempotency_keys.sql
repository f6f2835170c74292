-- idempotency keys: run_task_now's p_idempotency_key (per task) and
-- events.idempotency_key (per owner). One row per scope and key says which
-- run or event holds the key, and since when (its window is the
-- idempotency_window setting as it is when a repeat comes). A window
-- cannot be a unique index on the runs or events themselves (an index
-- cannot say "within 24 hours", and events cannot be updated to give a key
-- up), so the key lives here: the primary key makes a repeat collide even
-- between concurrent transactions at any isolation level, and a key past
-- its window is taken over by the next request that names it
-- (scheduler_internal.claim_idempotency_key). A key is taken before its run
-- or event is inserted, in the same transaction, so the reference to the
-- run is deferred; deleting the run frees its key. The event is named
-- without a foreign key: one would make `truncate scheduler.events` fail on
-- the reference before the append-only trigger could refuse it with its
-- reason. Keys past their window are pruned daily (prune-history).

create table scheduler_internal.idempotency_keys (
  scope text not null check (scope in ('run_task_now', 'events')),
  scope_id uuid not null,
  key text not null check (length(key) between 1 and 255),
  run_id uuid references scheduler.task_runs (id) on delete cascade deferrable initially deferred,
  event_id uuid,
  taken_at timestamptz not null,
  primary key (scope, scope_id, key),
  constraint idempotency_keys_one_target check (
    (scope = 'run_task_now' and run_id is not null and event_id is null)
    or (scope = 'events' and event_id is not null and run_id is null)
  )
);

comment on table scheduler_internal.idempotency_keys is 'Which run (run_task_now, scope_id = the task) or event (events, scope_id = the owner) holds an idempotency key, since taken_at; a repeat within the idempotency_window setting of taken_at collapses to it. A row goes with its run; keys past the window are pruned daily.';

create index idempotency_keys_run_id_idx on scheduler_internal.idempotency_keys (run_id) where run_id is not null;

-- the daily pruning walks the keys past their window in this order
create index idempotency_keys_taken_at_idx on scheduler_internal.idempotency_keys (taken_at);

alter table scheduler_internal.idempotency_keys enable row level security;

-- only the scheduler's own functions (run_task_now, the events trigger)
-- read and write it, as its owner
revoke all on table scheduler_internal.idempotency_keys from public, anon, authenticated, service_role;
