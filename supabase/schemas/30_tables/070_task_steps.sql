-- task_steps (seed 003): ordered steps of a multi-step (ai-prompt) workflow,
-- with the seed's constraints and indexes. Status, result, timing and retry
-- count describe the step's latest execution; run_id says which run that was.

create table scheduler.task_steps (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  step_order integer not null,
  step_name text not null,
  instructions text not null,
  include_previous_context boolean not null default false,
  context_data jsonb not null default '{}'::jsonb,
  status text not null default 'pending',
  execution_result jsonb not null default '{}'::jsonb,
  execution_started_at timestamptz,
  execution_completed_at timestamptz,
  error_message text,
  retry_count integer not null default 0,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  allowed_tools text[],
  requires_approval boolean not null default false,
  constraint task_steps_status_check check (status in ('pending', 'running', 'completed', 'failed', 'skipped')),
  constraint task_steps_step_order_positive check (step_order > 0),
  constraint task_steps_retry_count_non_negative check (retry_count >= 0),
  constraint unique_task_step_order unique (task_id, step_order)
);

comment on table scheduler.task_steps is 'Ordered steps of a workflow (seed 003). include_previous_context passes earlier steps'' outputs to this one.';

comment on column scheduler.task_steps.run_id is 'The run whose execution status, result and timing the step shows.';

comment on column scheduler.task_steps.allowed_tools is 'ai-prompt with mcp_servers: the tools this step''s model may call, within the task''s allowed_tools; null for all of those, {} for none.';

comment on column scheduler.task_steps.requires_approval is 'The run stops before this step until a person approves it (an approvals row, action_type step); rejected, the run is cancelled.';

create index task_steps_task_order_idx on scheduler.task_steps (task_id, step_order);

create index task_steps_status_idx on scheduler.task_steps (status);

create index task_steps_execution_time_idx on scheduler.task_steps (execution_started_at, execution_completed_at);

create index task_steps_pending_idx on scheduler.task_steps (task_id, step_order) where status = 'pending';

create index task_steps_context_gin_idx on scheduler.task_steps using gin (context_data);

create index task_steps_result_gin_idx on scheduler.task_steps using gin (execution_result);

create index task_steps_run_id_idx on scheduler.task_steps (run_id);

alter table scheduler.task_steps enable row level security;

-- task_steps: whoever sees the task reads; its editors write
revoke all on table scheduler.task_steps from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_steps to authenticated, service_role;

create policy "Steps are visible to those who can see the task" on scheduler.task_steps
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Steps can be added by editors of the task" on scheduler.task_steps
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Steps can be changed by editors of the task" on scheduler.task_steps
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Steps can be deleted by editors of the task" on scheduler.task_steps
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

-- the last step of an active ai-prompt task without a prompt may not go
create constraint trigger _050_check_something_to_ask after delete or update of task_id on scheduler.task_steps
deferrable initially deferred
for each row execute function scheduler_internal.tg_tasks__check_something_to_ask();

create trigger _100_set_updated_at before update on scheduler.task_steps
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_validate before insert or update of step_order, allowed_tools on scheduler.task_steps
for each row execute function scheduler_internal.tg_task_steps__validate();

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.task_steps
for each row execute function scheduler_internal.tg__check_run_link();
