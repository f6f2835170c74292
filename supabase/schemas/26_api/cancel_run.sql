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
  -- one answer for a run that does not exist and one the caller cannot see
  if v_task_id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_task_id)) then
    raise exception 'cancel_run: run % does not exist', p_run_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_task_id) then
    raise exception 'cancel_run: you may not cancel runs of task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = v_task_id) using errcode = '42501';
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
