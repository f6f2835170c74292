-- tasks: seed 000's core table, with what the other seeds and a real
-- scheduler need (timezone, one-off run_at, retry, timeout, overlap and
-- misfire policies, approvals, soft delete, projects, full-text search).
-- next_run_at is maintained by the engine (migrations 0500+).

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

  constraint tasks_type_check check (type in ('scheduled', 'event', 'manual')),
  constraint tasks_action_type_check check (action_type in ('http', 'ai-prompt', 'notify')),
  constraint tasks_overlap_policy_check check (overlap_policy in ('skip', 'queue', 'allow')),
  constraint tasks_misfire_policy_check check (misfire_policy in ('skip', 'run_once')),
  constraint tasks_max_attempts_check check (max_attempts between 1 and 100),
  constraint tasks_retry_backoff_check check (retry_backoff_seconds between 1 and 86400 and retry_backoff_max_seconds >= retry_backoff_seconds),
  constraint tasks_timeout_seconds_check check (timeout_seconds between 1 and 900),
  constraint tasks_schedule_interval_check check (schedule_interval is null or schedule_interval >= interval '1 second'),
  constraint tasks_approval_ttl_check check (approval_ttl > interval '0'),
  constraint tasks_at_most_one_schedule check (num_nonnulls(schedule_cron, schedule_interval, run_at) <= 1),
  constraint tasks_scheduled_tasks_need_a_schedule check (type <> 'scheduled' or num_nonnulls(schedule_cron, schedule_interval, run_at) = 1)
);

comment on table scheduler.tasks is 'What to run, when, and how. Seed 000 core names; see docs/data-model.md.';
comment on column scheduler.tasks.type is 'How runs start: scheduled (schedule_cron, schedule_interval or run_at), event (task_event_triggers), manual (run_task_now). Seed categories such as Reminder go in tags.';
comment on column scheduler.tasks.schedule_cron is 'Cron expression (5 or 6 fields, names, macros), evaluated in timezone. See docs/cron.md.';
comment on column scheduler.tasks.schedule_interval is 'Fixed interval between runs (seconds allowed).';
comment on column scheduler.tasks.run_at is 'One-off run time.';
comment on column scheduler.tasks.timezone is 'IANA timezone the cron expression is evaluated in.';
comment on column scheduler.tasks.next_run_at is 'Next due time, kept by the engine; null when nothing is scheduled.';
comment on column scheduler.tasks.action_type is 'Which Edge Function executes the task: http, ai-prompt or notify.';
comment on column scheduler.tasks.action_payload is 'The action''s input, validated against its schema (shared/contract.ts).';
comment on column scheduler.tasks.max_attempts is 'Attempts per due time, the first included. Retries back off exponentially with jitter.';
comment on column scheduler.tasks.overlap_policy is 'When a run is still going at the next due time: skip it, queue it behind, or allow both.';
comment on column scheduler.tasks.misfire_policy is 'After the scheduler was down: skip to the next future time, or run once to catch up.';
comment on column scheduler.tasks.requires_approval is 'Each run waits in awaiting_approval until a human approves it.';
comment on column scheduler.tasks.deleted_at is 'Soft delete: hidden from the scheduler, history kept.';
comment on column scheduler.tasks.search is 'Full-text search over name and description (seed 004): where search @@ websearch_to_tsquery(''english'', ...).';

create index tasks_owner_id_idx on scheduler.tasks (owner_id);
create index tasks_created_by_idx on scheduler.tasks (created_by);
create index tasks_project_id_idx on scheduler.tasks (project_id);
-- the scheduler's hot path: active, not deleted, due
create index tasks_due_idx on scheduler.tasks (next_run_at, priority)
  where is_active and deleted_at is null and next_run_at is not null;
create index tasks_priority_idx on scheduler.tasks (priority);
create index tasks_created_at_idx on scheduler.tasks (created_at desc);
create index tasks_tags_idx on scheduler.tasks using gin (tags);
create index tasks_search_idx on scheduler.tasks using gin (search);

create trigger _100_set_updated_at before update on scheduler.tasks
for each row execute function scheduler_internal.tg__set_updated_at();

-- clear messages for bad input; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.action_type is null or new.action_type not in ('http', 'ai-prompt', 'notify') then
    raise exception 'unknown action_type "%": expected one of http, ai-prompt, notify', new.action_type
      using errcode = '22023';
  end if;
  if new.type is null or new.type not in ('scheduled', 'event', 'manual') then
    raise exception 'unknown task type "%": expected one of scheduled, event, manual', new.type
      using errcode = '22023';
  end if;
  if num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) > 1 then
    raise exception 'a task has one schedule: set only one of schedule_cron, schedule_interval or run_at'
      using errcode = '22023';
  end if;
  if new.type = 'scheduled' and num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) = 0 then
    raise exception 'a scheduled task needs schedule_cron, schedule_interval or run_at (or make it an event or manual task)'
      using errcode = '22023';
  end if;
  if tg_op = 'INSERT' or new.timezone is distinct from old.timezone then
    perform scheduler_internal.assert_valid_timezone(new.timezone);
  end if;
  if new.schedule_cron is not null and (tg_op = 'INSERT' or new.schedule_cron is distinct from old.schedule_cron) then
    perform scheduler.validate_cron_expression(new.schedule_cron);
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_tasks__validate() is 'Refuses bad task input with messages that say what to fix.';

-- only when the columns it checks are written: the engine's next_run_at bookkeeping skips it
create trigger _010_validate before insert or update of action_type, type, schedule_cron, schedule_interval, run_at, timezone on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate();

create or replace function scheduler_internal.tg_tasks__guard_ownership() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.owner_id is distinct from old.owner_id or new.created_by is distinct from old.created_by)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a task''s owner_id or created_by'
      using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_tasks__guard_ownership() is 'owner_id and created_by default to auth.uid(); only admins (or service work) change them later.';

create trigger _020_guard_ownership before update of owner_id, created_by on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__guard_ownership();

alter table scheduler.tasks enable row level security;
revoke all on scheduler.tasks from anon;
