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
