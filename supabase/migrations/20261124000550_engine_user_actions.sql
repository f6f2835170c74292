-- what users do to runs: run now, cancel a run or a task, decide approvals;
-- and events starting their subscribed tasks.

create or replace function scheduler.run_task_now(p_task_id uuid, p_now timestamptz default now())
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_run_id uuid;
begin
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(p_task_id) then
    raise exception 'run_task_now: you may not run task % (owners, editors and admins may)', p_task_id
      using errcode = '42501';
  end if;
  if not exists (select 1 from scheduler.tasks where id = p_task_id and deleted_at is null) then
    raise exception 'run_task_now: task % does not exist or is deleted', p_task_id using errcode = 'P0002';
  end if;
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
  values (p_task_id, p_now, 'queued', 1, 'manual', jsonb_build_object('requested_by', (select auth.uid())))
  returning id into v_run_id;
  return v_run_id;
end;
$$;
comment on function scheduler.run_task_now(uuid, timestamptz) is 'Queues a run now (triggered_by manual) and wakes the dispatcher through pg_net. Owners, editors and admins.';
revoke execute on function scheduler.run_task_now(uuid, timestamptz) from public, anon;
grant execute on function scheduler.run_task_now(uuid, timestamptz) to authenticated, service_role;

create or replace function scheduler.cancel_run(p_run_id uuid, p_now timestamptz default now())
returns scheduler.run_status
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_status scheduler.run_status;
begin
  select task_id, status into v_task_id, v_status from scheduler.task_runs where id = p_run_id for update;
  if v_task_id is null then
    raise exception 'cancel_run: run % does not exist', p_run_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_task_id) then
    raise exception 'cancel_run: you may not cancel runs of task %', v_task_id using errcode = '42501';
  end if;
  if v_status in ('completed', 'failed', 'cancelled', 'skipped') then
    return v_status;
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where id = p_run_id;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'run cancelled')
  where run_id = p_run_id and status = 'pending';
  insert into scheduler.system_logs (level, module, message, user_id, task_id, run_id)
  values ('info', 'engine', 'run cancelled', (select auth.uid()), v_task_id, p_run_id);
  return 'cancelled';
end;
$$;
comment on function scheduler.cancel_run(uuid, timestamptz) is 'Cancels a queued, waiting or running run (a running action''s late result is then ignored). Recorded on the run and in system_logs.';
revoke execute on function scheduler.cancel_run(uuid, timestamptz) from public, anon;
grant execute on function scheduler.cancel_run(uuid, timestamptz) to authenticated, service_role;

create or replace function scheduler.cancel_task(p_task_id uuid, p_now timestamptz default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_cancelled integer;
begin
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(p_task_id) then
    raise exception 'cancel_task: you may not cancel task %', p_task_id using errcode = '42501';
  end if;
  update scheduler.tasks set is_active = false where id = p_task_id;
  if not found then
    raise exception 'cancel_task: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'task cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where task_id = p_task_id and status in ('queued', 'awaiting_approval', 'running');
  get diagnostics v_cancelled = row_count;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'task cancelled')
  where task_id = p_task_id and status = 'pending';
  return v_cancelled;
end;
$$;
comment on function scheduler.cancel_task(uuid, timestamptz) is 'Pauses the task (is_active = false, audited) and cancels its unfinished runs; returns how many.';
revoke execute on function scheduler.cancel_task(uuid, timestamptz) from public, anon;
grant execute on function scheduler.cancel_task(uuid, timestamptz) to authenticated, service_role;

create or replace function scheduler.decide_approval(
  p_approval_id uuid, p_approve boolean, p_notes text default null, p_now timestamptz default now()
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_approval scheduler.approvals;
  v_uid uuid := (select auth.uid());
  v_task scheduler.tasks;
begin
  select * into v_approval from scheduler.approvals where id = p_approval_id for update;
  if v_approval.id is null then
    raise exception 'decide_approval: approval % does not exist', p_approval_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_approval.task_id) then
    raise exception 'decide_approval: you may not decide approvals of task %', v_approval.task_id using errcode = '42501';
  end if;
  if v_approval.status <> 'pending' then
    raise exception 'decide_approval: approval % is already %', p_approval_id, v_approval.status using errcode = '55000';
  end if;
  if v_approval.expires_at is not null and v_approval.expires_at < p_now then
    raise exception 'decide_approval: approval % expired at %', p_approval_id, v_approval.expires_at using errcode = '55000';
  end if;
  select * into v_task from scheduler.tasks where id = v_approval.task_id;
  if p_approve then
    update scheduler.approvals set status = 'approved', approved_by = v_uid, approved_at = p_now, notes = p_notes where id = p_approval_id;
    update scheduler.task_runs set status = 'queued' where id = v_approval.run_id and status = 'awaiting_approval';
    perform scheduler_internal.wake_dispatcher('approval');
    return 'approved';
  end if;
  update scheduler.approvals set status = 'rejected', rejected_by = v_uid, rejected_at = p_now, notes = p_notes where id = p_approval_id;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, error_message = 'approval rejected' || coalesce(': ' || p_notes, '')
  where id = v_approval.run_id and status = 'awaiting_approval';
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  values (v_task.owner_id, 'Run rejected: ' || v_task.name, coalesce(p_notes, 'The approval was rejected.'), 'approval', 'normal', 'web',
          v_task.id, v_approval.run_id, jsonb_build_object('approval_id', p_approval_id));
  return 'rejected';
end;
$$;
comment on function scheduler.decide_approval(uuid, boolean, text, timestamptz) is 'Approve (the run is queued and dispatched at once) or reject (the run is cancelled and the owner notified). Owners, editors and admins.';
revoke execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) from public, anon;
grant execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) to authenticated, service_role;

create or replace function scheduler.expire_approvals(p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  with expired as (
    update scheduler.approvals a set status = 'expired'
    where a.status = 'pending' and a.expires_at < p_now
    returning a.id, a.task_id, a.run_id
  ),
  closed as (
    update scheduler.task_runs r
    set status = 'cancelled', end_time = p_now, error_message = 'approval expired'
    from expired e where r.id = e.run_id and r.status = 'awaiting_approval'
    returning r.id
  ),
  notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select t.owner_id, 'Approval expired: ' || t.name, 'Nobody decided in time; the run was cancelled.', 'approval', 'normal', 'web',
      t.id, e.run_id, jsonb_build_object('approval_id', e.id)
    from expired e join scheduler.tasks t on t.id = e.task_id
    returning id
  )
  select count(*) into v_count from expired;
  return v_count;
end;
$$;
comment on function scheduler.expire_approvals(timestamptz) is 'service_role / pg_cron: expires pending approvals past expires_at, cancels their runs and notifies owners.';
revoke execute on function scheduler.expire_approvals(timestamptz) from public, anon, authenticated;
grant execute on function scheduler.expire_approvals(timestamptz) to service_role;

-- an event starts every task of the same owner subscribed to its name
create or replace function scheduler_internal.tg_events__start_subscribed_tasks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
  select s.task_id, scheduler_internal.clock_now(), 'queued', 1, 'event:' || e.event_type,
    jsonb_build_object('event_id', e.id, 'event_type', e.event_type, 'payload', e.payload)
  from new_events e
  join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
  join scheduler.tasks t on t.id = s.task_id
  where t.owner_id = e.user_id and t.is_active and t.deleted_at is null;
  return null;
end;
$$;
comment on function scheduler_internal.tg_events__start_subscribed_tasks() is 'Queues a run (triggered_by event:<name>) for each subscribed task of the event''s owner; the dispatcher is woken at once.';
revoke execute on function scheduler_internal.tg_events__start_subscribed_tasks() from public, anon, authenticated;

create trigger _900_start_subscribed_tasks after insert on scheduler.events
referencing new table as new_events
for each statement execute function scheduler_internal.tg_events__start_subscribed_tasks();
