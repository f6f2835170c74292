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
  -- one answer for an approval that does not exist and one the caller cannot see
  if v_approval.id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_approval.task_id)) then
    raise exception 'decide_approval: approval % does not exist', p_approval_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_approval.task_id) then
    raise exception 'decide_approval: you may not decide approvals of task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = v_approval.task_id) using errcode = '42501';
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
  -- a run held before a tool call (pause_run_for_approval) goes on without
  -- it: its model is told the call was refused
  if v_approval.details ->> 'kind' = 'tool_call' then
    update scheduler.task_runs set status = 'queued' where id = v_approval.run_id and status = 'awaiting_approval';
    perform scheduler_internal.wake_dispatcher('approval');
    return 'rejected';
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, error_message = 'approval rejected' || coalesce(': ' || p_notes, '')
  where id = v_approval.run_id and status = 'awaiting_approval';
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  values (v_task.owner_id, 'Run rejected: ' || v_task.name, coalesce(p_notes, 'The approval was rejected.'), 'approval', 'normal', 'web',
          v_task.id, v_approval.run_id, jsonb_build_object('approval_id', p_approval_id));
  return 'rejected';
end;
$$;

comment on function scheduler.decide_approval(uuid, boolean, text, timestamptz) is 'Approve (the run is queued and dispatched at once) or reject (the run is cancelled and the owner notified; a run held before a tool call is queued again, and its model told the call was refused). Owners, editors and admins.';

revoke execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) from public, anon;

grant execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) to authenticated, service_role;
