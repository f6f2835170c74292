-- approvals hold every automatic run of a task that requires approval, not
-- only its scheduled runs: a run an event or a finished prerequisite starts
-- waits in awaiting_approval, with an approvals row and a notification to the
-- owner, exactly like a scheduled one (claim_due_runs does that itself).
-- Manual runs (run_task_now) are not held: only owners, editors and admins
-- may start them, and they are the people who could approve them. Retries of
-- a run are not held again either.

-- a queued event or dependency run of such a task is held instead; the WHEN
-- clause keeps this row trigger off the claim's hot path (scheduled runs,
-- retries and manual runs never reach the function)
create or replace function scheduler_internal.tg_task_runs__hold_for_approval() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select t.requires_approval from scheduler.tasks t where t.id = new.task_id) then
    new.status := 'awaiting_approval';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_task_runs__hold_for_approval() is 'Holds a new event- or dependency-triggered run of a task that requires approval in awaiting_approval.';
revoke execute on function scheduler_internal.tg_task_runs__hold_for_approval() from public, anon, authenticated;

create trigger _020_hold_for_approval before insert on scheduler.task_runs
for each row
when (new.status = 'queued' and (new.triggered_by like 'event:%' or new.triggered_by = 'dependency'))
execute function scheduler_internal.tg_task_runs__hold_for_approval();

-- the held runs get their approval and their owner a notification, set-based
create or replace function scheduler_internal.tg_task_runs__request_approvals() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  with held as (
    select r.id as run_id, r.scheduled_time, r.triggered_by, t.id as task_id, t.name, t.owner_id, t.action_type, t.approval_ttl
    from new_runs r join scheduler.tasks t on t.id = r.task_id
    where r.status = 'awaiting_approval' and r.triggered_by <> 'schedule'
  ),
  requested as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select h.task_id, h.run_id, h.action_type,
      jsonb_build_object('scheduled_time', h.scheduled_time, 'task_name', h.name, 'triggered_by', h.triggered_by),
      'system', h.scheduled_time + h.approval_ttl
    from held h
    returning id, task_id, run_id
  )
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  select h.owner_id, 'Approval needed: ' || h.name,
    'A run of "' || h.name || '" (' || h.triggered_by || ') is waiting for your approval.', 'approval', 'high', 'web',
    a.task_id, a.run_id, jsonb_build_object('approval_id', a.id)
  from requested a join held h on h.run_id = a.run_id;
  return null;
end;
$$;
comment on function scheduler_internal.tg_task_runs__request_approvals() is 'Creates the approval and the owner''s notification for held event and dependency runs (scheduled runs get theirs from claim_due_runs).';
revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;

create trigger _800_request_approvals after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__request_approvals();
