-- approvals (seed 004): a human decision a run waits for. One decision only:
-- never both approved and rejected.

create table scheduler.approvals (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete cascade,
  action_type text not null,
  details jsonb not null default '{}'::jsonb,
  status text not null default 'pending',
  requested_by text not null default 'system',
  approved_by uuid references auth.users (id) on delete set null,
  approved_at timestamptz,
  rejected_by uuid references auth.users (id) on delete set null,
  rejected_at timestamptz,
  expires_at timestamptz,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint approvals_status_check check (status in ('pending', 'approved', 'rejected', 'expired')),
  constraint approval_cannot_be_both_approved_and_rejected check (approved_by is null or rejected_by is null),
  constraint approvals_decision_matches_status check (
    (status = 'approved' and approved_at is not null and rejected_at is null)
    or (status = 'rejected' and rejected_at is not null and approved_at is null)
    or (status in ('pending', 'expired') and approved_at is null and rejected_at is null)
  )
);

comment on table scheduler.approvals is 'A run held for a human decision (tasks.requires_approval). requested_by is a user id or ''system''.';

create index approvals_task_id_idx on scheduler.approvals (task_id);

create index approvals_run_id_idx on scheduler.approvals (run_id);

create index approvals_status_idx on scheduler.approvals (status);

create index approvals_expires_at_idx on scheduler.approvals (expires_at) where status = 'pending';

create index approvals_approved_by_idx on scheduler.approvals (approved_by, status);

create index approvals_rejected_by_idx on scheduler.approvals (rejected_by);

create index approvals_status_requested_idx on scheduler.approvals (status, requested_by);

alter table scheduler.approvals enable row level security;

-- approvals: whoever sees the task reads; its editors request, decide and
-- delete (decide_approval records the decider)
revoke all on table scheduler.approvals from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.approvals to authenticated, service_role;

create policy "Approvals are visible to those who can see the task" on scheduler.approvals
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Approvals can be requested by editors of the task" on scheduler.approvals
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Approvals can be decided by editors of the task" on scheduler.approvals
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Approvals can be deleted by editors of the task" on scheduler.approvals
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.approvals
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_validate before insert or update on scheduler.approvals
for each row execute function scheduler_internal.tg_approvals__validate();

create trigger _900_audit after insert or update or delete on scheduler.approvals
for each row execute function scheduler_internal.tg__audit('id');

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.approvals
for each row execute function scheduler_internal.tg__check_run_link();

create trigger _020_guard_deciders before insert or update of approved_by, rejected_by on scheduler.approvals
for each row execute function scheduler_internal.tg_approvals__guard_deciders();
