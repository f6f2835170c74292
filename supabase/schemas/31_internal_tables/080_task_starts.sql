-- task_starts: when the runs of rate-limited tasks started, the sliding log
-- the rate limit counts (rate_limit_count starts in any rate_limit_period).
-- The start gate writes a row per start of such a task and drops the rows
-- that have left the task's window; other tasks never write here.

create table scheduler_internal.task_starts (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  started_at timestamptz not null,
  run_id uuid not null,
  primary key (task_id, started_at, run_id)
);

comment on table scheduler_internal.task_starts is 'Starts of rate-limited tasks within their rate_limit_period, written by the start gate, counted by the claim and the gate.';

alter table scheduler_internal.task_starts enable row level security;

revoke all on table scheduler_internal.task_starts from public, anon, authenticated;

grant select, insert, delete on table scheduler_internal.task_starts to service_role;
