-- cancel reaches a claimed run: it has not started, so nothing will be sent
create or replace function scheduler.cancel_task(p_task_id uuid, p_now timestamptz default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_cancelled integer;
begin
  -- one answer for a task that does not exist and one the caller cannot see
  if not exists (select 1 from scheduler.tasks t where t.id = p_task_id)
     or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'cancel_task: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(p_task_id) then
    raise exception 'cancel_task: you may not cancel task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = p_task_id) using errcode = '42501';
  end if;
  update scheduler.tasks set is_active = false where id = p_task_id;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'task cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where task_id = p_task_id and status in ('queued', 'awaiting_approval', 'claimed', 'running');
  get diagnostics v_cancelled = row_count;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'task cancelled')
  where task_id = p_task_id and status = 'pending';
  return v_cancelled;
end;
$$;

comment on function scheduler.cancel_task(uuid, timestamptz) is 'Pauses the task (is_active = false, audited) and cancels its unfinished runs, claimed ones included (nothing is sent for them); returns how many.';

revoke execute on function scheduler.cancel_task(uuid, timestamptz) from public, anon;

grant execute on function scheduler.cancel_task(uuid, timestamptz) to authenticated, service_role;
