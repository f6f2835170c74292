-- task_runs (seed 000 run history, merged with seed 002's agent_tasks): one
-- row per attempt, with inputs, output, log summary, the lease of the worker
-- executing it (seed 001's locked_at / locked_by) and its duration.

create table scheduler.task_runs (
  id uuid primary key default scheduler_internal.uuid_v7(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  scheduled_time timestamptz not null,
  start_time timestamptz,
  end_time timestamptz,
  status scheduler.run_status not null default 'queued',
  attempt integer not null default 1 check (attempt >= 1),
  log text,
  log_summary jsonb,
  error_message text,
  triggered_by text not null default 'schedule',
  inputs jsonb,
  output jsonb,
  locked_at timestamptz,
  locked_by text,
  lease_expires_at timestamptz,
  duration_ms bigint generated always as (
    case when start_time is not null and end_time is not null
      then (extract(epoch from (end_time - start_time)) * 1000)::bigint end
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- one key per due time, kept by its retries
  idempotency_key text,
  -- the event that started the run; its payload is the run's inputs
  event_id uuid,
  -- who pressed run now (manual runs)
  requested_by uuid references auth.users (id) on delete set null,
  -- the run this one replays (replay_run, replay_runs)
  replay_of uuid references scheduler.task_runs (id) on delete set null,
  -- why the run waited in the queue (max_concurrency, rate limit, owner cap, debounce)
  wait_reason text,
  constraint task_runs_triggered_by_check check (
    triggered_by in ('schedule', 'manual', 'retry', 'dependency', 'replay', 'backfill') or triggered_by like 'event:%'
  ),
  constraint task_runs_end_after_start check (end_time is null or start_time is null or end_time >= start_time)
);

comment on table scheduler.task_runs is 'Run history: one row per attempt. Retries are new rows with attempt + 1.';

comment on column scheduler.task_runs.scheduled_time is 'When the run was due; the dispatcher starts it at this second.';

comment on column scheduler.task_runs.triggered_by is 'schedule, manual, retry, dependency, replay (replay_run, replay_runs), backfill (backfill) or event:<name>.';

comment on column scheduler.task_runs.requested_by is 'The user who queued the run: run_task_now (manual), replay_run and replay_runs (replay), backfill (backfill); null for the system and for other triggers.';

comment on column scheduler.task_runs.replay_of is 'The run this one replays (triggered_by replay): same task, same inputs, a new idempotency key. Null once that run is pruned.';

comment on column scheduler.task_runs.event_id is 'The event that started this run (triggered_by event:<name>). Its payload is the run''s inputs, so templates read {{inputs.<field>}}.';

comment on column scheduler.task_runs.wait_reason is 'Why the run waited in the queue: its task''s max_concurrency or rate limit, its owner''s cap on runs in flight, overlap_policy queue, or the debounce window that gathered its events. Kept once it starts, so a late start says why.';

comment on column scheduler.task_runs.log_summary is 'Structured summary of the execution (seed 002 logs_summary): steps, token usage, response metadata.';

comment on column scheduler.task_runs.idempotency_key is
  'The same for every attempt of one due time (the first attempt''s id unless set): sent as webhook-id / Idempotency-Key, so a receiver can tell a resend.';

comment on column scheduler.task_runs.lease_expires_at is
  'claimed: given back to the queue if not started by then. running: past it the outcome is unknown; the run is failed and retried under the same idempotency key.';

comment on column scheduler.task_runs.locked_by is 'The dispatcher invocation that claimed the run; only its action may start and record it.';

comment on column scheduler.task_runs.start_time is 'When the start gate let the run begin (null until then).';

create index task_runs_task_id_idx on scheduler.task_runs (task_id, scheduled_time desc);

create index task_runs_queued_idx on scheduler.task_runs (scheduled_time) where status = 'queued';

-- the pruning's walk of finished runs, in created_at order (prune_batch);
-- only final states are indexed: a run's earlier versions (claimed,
-- running) each cost an entry in every index they are in (3 a run when all
-- states were here, 1 now). No query orders or filters runs by start_time,
-- so it has no index (bench/RESULTS.md, "Cost per run": about 200 B of WAL
-- per run each)
create index task_runs_created_at_idx on scheduler.task_runs (created_at)
where status in ('completed', 'failed', 'cancelled', 'skipped');

-- deleting a user clears their requests without scanning the history
create index task_runs_requested_by_idx on scheduler.task_runs (requested_by) where requested_by is not null;

-- replays name what they replay: replay_runs skips a run already replayed,
-- and pruning a replayed run clears the link without a scan
create index task_runs_replay_of_idx on scheduler.task_runs (replay_of) where replay_of is not null;

-- exactly once per slot: a backfill run is the only backfill run of its
-- task at its due time, whoever else backfills the same range at once
create unique index task_runs_backfill_slot_idx on scheduler.task_runs (task_id, scheduled_time)
where triggered_by = 'backfill';

-- the later attempts of a due time carry its key: replay_runs asks whether
-- a run was retried (only retries and resent runs carry one)
create index task_runs_idempotency_key_idx on scheduler.task_runs (task_id, idempotency_key)
where idempotency_key is not null;

-- no index on lease_expires_at: the reaper and the tick read the leases of
-- the runs in flight through task_runs_status_idx (claimed and running runs
-- are few, whatever the history), and an index on it cost every run two
-- entries and made each heartbeat (renew_leases moves only the lease) an
-- update that could never be HOT (bench/RESULTS.md, cost per run)

-- open runs by task: the claim and the start gate ask, for each task, whether
-- it has a run running or waiting. Keyed by status alone that was a probe of
-- the task's whole history; status stays first so lookups by status alone
-- are served too, and only open runs are indexed.
create index task_runs_status_idx on scheduler.task_runs (status, task_id)
where status in ('queued', 'awaiting_approval', 'claimed', 'running');

alter table scheduler.task_runs enable row level security;

-- task_runs: whoever sees the task reads; its editors queue, change and
-- delete runs. The engine (as service_role) claims, starts, completes,
-- retries and reaps them.
revoke all on table scheduler.task_runs from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_runs to authenticated, service_role;

create policy "Runs are visible to those who can see the task" on scheduler.task_runs
  for select to authenticated
  using (scheduler_internal.can_view_task(task_id));

create policy "Runs can be queued by editors of the task" on scheduler.task_runs
  for insert to authenticated
  with check (
    scheduler_internal.can_edit_task(task_id) and status = 'queued'
    and (requested_by is null or requested_by = (select auth.uid()))
  );

create policy "Runs can be changed by editors of the task" on scheduler.task_runs
  for update to authenticated
  using (scheduler_internal.can_edit_task(task_id))
  with check (scheduler_internal.can_edit_task(task_id));

create policy "Runs can be deleted by editors of the task" on scheduler.task_runs
  for delete to authenticated
  using (scheduler_internal.can_edit_task(task_id));

create trigger _010_validate before insert or update of inputs on scheduler.task_runs
for each row execute function scheduler_internal.tg_task_runs__validate();

create trigger _020_guard_attribution before update of requested_by on scheduler.task_runs
for each row execute function scheduler_internal.tg__guard_attribution('requested_by');

create trigger _100_set_updated_at before update on scheduler.task_runs
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_wake_dispatcher after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__wake_dispatcher();

create trigger _020_hold_for_approval before insert on scheduler.task_runs
for each row
when (new.status = 'queued' and (new.triggered_by like 'event:%' or new.triggered_by = 'dependency'))
execute function scheduler_internal.tg_task_runs__hold_for_approval();

create trigger _800_request_approvals after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__request_approvals();
