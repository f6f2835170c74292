-- a run now, by hand. One answer for a task that does not exist and one the
-- caller cannot see, so no one learns of another user's task; a task the
-- caller sees but may not edit (shared for viewing) is refused by name.
create or replace function scheduler.run_task_now(p_task_id uuid, p_now timestamptz default now(), p_inputs jsonb default null)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_name text;
  v_run_id uuid;
begin
  select t.name into v_name from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_name is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'run_task_now: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'run_task_now: you may not run task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if p_inputs is not null and pg_catalog.jsonb_typeof(p_inputs) <> 'object' then
    raise exception 'run_task_now: p_inputs must be a JSON object (its fields are {{inputs.<field>}}), got %', pg_catalog.jsonb_typeof(p_inputs)
      using errcode = '22023';
  end if;
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by)
  values (p_task_id, p_now, 'queued', 1, 'manual', coalesce(p_inputs, '{}'), (select auth.uid()))
  returning id into v_run_id;
  return v_run_id;
end;
$$;

comment on function scheduler.run_task_now(uuid, timestamptz, jsonb) is 'Queues a run now (triggered_by manual, requested_by the caller) with optional inputs ({{inputs.<field>}}) and wakes the dispatcher through pg_net. Owners, editors and admins.';

revoke execute on function scheduler.run_task_now(uuid, timestamptz, jsonb) from public, anon;

grant execute on function scheduler.run_task_now(uuid, timestamptz, jsonb) to authenticated, service_role;
