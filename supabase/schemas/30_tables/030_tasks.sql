-- tasks: seed 000's core table, with what the other seeds and a real
-- scheduler need (timezone, one-off run_at, retry, timeout, overlap and
-- misfire policies, approvals, soft delete, projects, full-text search).
-- next_run_at is maintained by the schedule trigger and the engine.

create table scheduler.tasks (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  description text,
  type text not null default 'scheduled',
  schedule_cron text,
  schedule_interval interval,
  run_at timestamptz,
  timezone text not null default 'UTC',
  next_run_at timestamptz,
  last_run_at timestamptz,
  is_active boolean not null default true,
  action_type text not null,
  action_payload jsonb not null default '{}'::jsonb,
  priority scheduler.task_priority not null default 'medium',
  tags text[] not null default '{}',
  metadata jsonb not null default '{}'::jsonb,
  acceptance_criteria text[] not null default '{}',
  constraints jsonb not null default '{}'::jsonb,
  max_attempts integer not null default 3,
  retry_backoff_seconds integer not null default 30,
  retry_backoff_max_seconds integer not null default 3600,
  timeout_seconds integer not null default 60,
  overlap_policy text not null default 'skip',
  misfire_policy text not null default 'run_once',
  requires_approval boolean not null default false,
  approval_ttl interval not null default '24 hours',
  project_id uuid references scheduler.projects (id) on delete set null,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search tsvector generated always as (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
  ) stored,
  -- flow control (README "Flow control"): null means no limit
  max_concurrency integer,
  rate_limit_count integer,
  rate_limit_period interval,
  debounce_window interval,
  debounce_inputs text not null default 'last',

  constraint tasks_type_check check (type in ('scheduled', 'event', 'manual')),
  constraint tasks_action_type_check check (action_type in ('http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'watch')),
  constraint tasks_overlap_policy_check check (overlap_policy in ('skip', 'queue', 'allow')),
  constraint tasks_misfire_policy_check check (misfire_policy in ('skip', 'run_once')),
  constraint tasks_max_attempts_check check (max_attempts between 1 and 100),
  constraint tasks_retry_backoff_check check (retry_backoff_seconds between 1 and 86400 and retry_backoff_max_seconds >= retry_backoff_seconds),
  constraint tasks_timeout_seconds_check check (timeout_seconds between 1 and 900),
  constraint tasks_schedule_interval_check check (schedule_interval is null or schedule_interval >= interval '1 second'),
  constraint tasks_approval_ttl_check check (approval_ttl > interval '0'),
  constraint tasks_at_most_one_schedule check (num_nonnulls(schedule_cron, schedule_interval, run_at) <= 1),
  constraint tasks_scheduled_tasks_need_a_schedule check (type <> 'scheduled' or num_nonnulls(schedule_cron, schedule_interval, run_at) = 1),
  constraint tasks_max_concurrency_check check (max_concurrency between 1 and 10000),
  constraint tasks_rate_limit_check check (
    num_nonnulls(rate_limit_count, rate_limit_period) <> 1
    and rate_limit_count between 1 and 10000
    and rate_limit_period between interval '1 second' and interval '31 days'),
  constraint tasks_debounce_window_check check (debounce_window between interval '1 second' and interval '1 day'),
  constraint tasks_debounce_inputs_check check (debounce_inputs in ('last', 'all'))
)
-- room on each page for the claim's per-run advance of next_run_at and
-- last_run_at to stay a HOT update (no index covers them: the due index is
-- scheduler_internal.due_tasks). Half a page: a claim advances every task of
-- a page at once when they fall due together (a burst of one-offs), and an
-- update finds room only on its own page. Measured in the drain's burst
-- (bench/RESULTS.md, "Cost per run, after"): 13 % of the advances HOT at
-- fillfactor 90, 45 % at 70, all at 50; tasks due at different times are
-- pruned between their claims and need far less
with (fillfactor = 50);

comment on table scheduler.tasks is 'What to run, when, and how. Seed 000 core names; see docs/data-model.md.';

comment on column scheduler.tasks.type is 'How runs start: scheduled (schedule_cron, schedule_interval or run_at), event (task_event_triggers), manual (run_task_now). Seed categories such as Reminder go in tags.';

comment on column scheduler.tasks.schedule_cron is 'Cron expression (5 or 6 fields, names, macros), evaluated in timezone. See docs/cron.md.';

comment on column scheduler.tasks.schedule_interval is 'Fixed interval between runs (seconds allowed).';

comment on column scheduler.tasks.run_at is 'One-off run time.';

comment on column scheduler.tasks.timezone is 'IANA timezone the cron expression is evaluated in.';

comment on column scheduler.tasks.next_run_at is 'Next due time, kept by the engine; null when nothing is scheduled.';

comment on column scheduler.tasks.action_type is 'Which Edge Function executes the task: http, ai-prompt, notify, sql (a database function, as the owner), edge-function (a function of the project, signed) or watch (a watcher: its runs are polls).';

comment on column scheduler.tasks.action_payload is 'The action''s input, validated against its schema (shared/contract.ts).';

comment on column scheduler.tasks.max_attempts is 'Attempts per due time, the first included. Retries back off exponentially with jitter.';

comment on column scheduler.tasks.overlap_policy is 'When a run is still going at the next due time: skip it, queue it behind, or allow both.';

comment on column scheduler.tasks.misfire_policy is 'After the scheduler was down: skip to the next future time, or run once to catch up.';

comment on column scheduler.tasks.requires_approval is 'Each run waits in awaiting_approval until a human approves it.';

comment on column scheduler.tasks.deleted_at is 'Soft delete: hidden from the scheduler, history kept.';

comment on column scheduler.tasks.max_concurrency is 'At most this many runs of the task claimed or running at once (null: no limit); further runs wait in the queue, in order. Tasks with overlap_policy skip or queue already run one at a time, so it matters with allow.';

comment on column scheduler.tasks.rate_limit_count is 'With rate_limit_period: at most this many starts in any rate_limit_period (null: no limit). A scheduled occurrence over it is skipped, any other run waits for room; both say so in the run.';

comment on column scheduler.tasks.rate_limit_period is 'The sliding window of rate_limit_count (1 second to 31 days).';

comment on column scheduler.tasks.debounce_window is 'Events within this window of the first one start one run, at the end of the window (null: one run per event).';

comment on column scheduler.tasks.debounce_inputs is 'What a debounced run gets as inputs: last (the last event''s payload) or all ({"events": [{event_id, event_type, payload}, ...]}).';

comment on column scheduler.tasks.search is 'Full-text search over name and description (seed 004): where search @@ websearch_to_tsquery(''english'', ...).';

create index tasks_owner_id_idx on scheduler.tasks (owner_id);

create index tasks_created_by_idx on scheduler.tasks (created_by);

create index tasks_project_id_idx on scheduler.tasks (project_id);

create index tasks_priority_idx on scheduler.tasks (priority);

-- the few tasks with a max_concurrency or a rate limit: the claim asks
-- whether there are any before it explains the runs they hold back
create index tasks_flow_rules_idx on scheduler.tasks (id)
  where max_concurrency is not null or rate_limit_count is not null;

create index tasks_created_at_idx on scheduler.tasks (created_at desc);

create index tasks_tags_idx on scheduler.tasks using gin (tags);

create index tasks_search_idx on scheduler.tasks using gin (search);

alter table scheduler.tasks enable row level security;

-- tasks: owners, sharees and admins read; authors create for themselves;
-- owners, editors and admins edit; owners and admins delete
revoke all on table scheduler.tasks from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.tasks to authenticated, service_role;

-- tasks: owners have full control, sharing grants view or edit, admins manage all
create policy "Tasks are visible to owners, sharees and admins" on scheduler.tasks
  for select to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_view_task(id));

create policy "Tasks can be edited by owners, editors and admins" on scheduler.tasks
  for update to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id))
  with check (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id));

create policy "Tasks can be deleted by owners and admins" on scheduler.tasks
  for delete to authenticated
  using (owner_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Tasks can be created by authors for themselves" on scheduler.tasks
  for insert to authenticated
  with check (
    (owner_id = (select auth.uid()) and created_by = (select auth.uid()) and (select scheduler_internal.can_author()))
    or (select scheduler_internal.is_admin())
  );

create trigger _100_set_updated_at before update on scheduler.tasks
for each row execute function scheduler_internal.tg__set_updated_at();

-- only when the columns it checks are written: the engine's next_run_at bookkeeping skips it
create trigger _010_validate before insert or update of action_type, type, schedule_cron, schedule_interval, run_at, timezone,
  description, tags, acceptance_criteria, metadata, constraints on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate();

create trigger _020_guard_ownership before update of owner_id, created_by on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__guard_ownership();

-- the engine advances next_run_at and last_run_at on every claim and
-- completion; that bookkeeping is not an audited change, so updates are
-- audited only when a column a person sets is written
create trigger _900_audit after insert or delete on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');

create trigger _901_audit_update after update of
  name, description, type, schedule_cron, schedule_interval, run_at, timezone, is_active, action_type, action_payload,
  priority, tags, metadata, acceptance_criteria, constraints, max_attempts, retry_backoff_seconds, retry_backoff_max_seconds,
  timeout_seconds, overlap_policy, misfire_policy, requires_approval, approval_ttl, project_id, created_by, owner_id, deleted_at,
  max_concurrency, rate_limit_count, rate_limit_period, debounce_window, debounce_inputs
on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');

-- only when project_id is written: the engine's bookkeeping skips it
create trigger _030_check_project before insert or update of project_id on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_project();

-- at commit, so the steps of a new ai-prompt task may follow it
create constraint trigger _050_check_something_to_ask after insert or update of action_type, action_payload, is_active, deleted_at
on scheduler.tasks deferrable initially deferred
for each row when (new.action_type = 'ai-prompt')
execute function scheduler_internal.tg_tasks__check_something_to_ask();

create trigger _030_schedule before insert or update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__schedule();

-- statement level on insert, so a bulk insert costs one insert of its owners
create trigger _900_ensure_signing_secret after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__ensure_signing_secret();

-- transition tables cannot go with a column list, so changes are per row
create trigger _900_ensure_signing_secret_on_change after update of action_type, owner_id on scheduler.tasks
for each row when (new.action_type in ('http', 'edge-function', 'watch'))
execute function scheduler_internal.tg_tasks__ensure_signing_secret();

create trigger _011_validate_payload before insert or update of action_type, action_payload on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate_payload();

create trigger _013_validate_flow_control before insert or update of max_concurrency, rate_limit_count, rate_limit_period,
  debounce_window, debounce_inputs on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate_flow_control();

create trigger _012_check_timeout before insert or update of timeout_seconds on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_timeout();

-- before the target check, so a non-admin asking for service_role hears that first
create trigger _013_guard_run_as before insert or update of action_type, action_payload, owner_id on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__guard_run_as();

-- a watcher polling a database function (source.type sql) names one like a sql task
create trigger _014_check_action_target before insert or update of action_type, action_payload, owner_id on scheduler.tasks
for each row when (new.action_type in ('sql', 'edge-function')
  or (new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql'))
execute function scheduler_internal.tg_tasks__check_action_target();

create trigger _910_wake_dispatcher_on_insert after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__wake_dispatcher_on_insert();

-- only the user's edits (the columns that move next_run_at): the claim's own
-- advance of next_run_at never wakes anyone
create trigger _911_wake_dispatcher_on_update after update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy
on scheduler.tasks
for each row
when (new.is_active and new.deleted_at is null and new.next_run_at is not null
      and new.next_run_at is distinct from old.next_run_at
      and new.next_run_at < now() + interval '2 minutes')
execute function scheduler_internal.tg_tasks__wake_dispatcher_on_update();

-- the claim's due index (scheduler_internal.due_tasks) follows every write;
-- statement level (transition tables cannot go with a column list, nor with
-- two events), so a claim's batch costs one statement
create trigger _930_sync_due_on_insert after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__sync_due();

create trigger _930_sync_due_on_update after update on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__sync_due();

-- a watch task's state row (scheduler.watchers): made with the task, reset
-- when what it watches changes or it is resumed, removed when it stops being
-- a watcher. Row triggers with a when clause cost other tasks nothing
create trigger _920_sync_watcher_on_insert after insert on scheduler.tasks
for each row when (new.action_type = 'watch')
execute function scheduler_internal.tg_tasks__sync_watcher();

create trigger _920_sync_watcher_on_update after update of action_type, action_payload, is_active on scheduler.tasks
for each row when (new.action_type = 'watch' or old.action_type = 'watch')
execute function scheduler_internal.tg_tasks__sync_watcher();
