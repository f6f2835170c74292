-- replay a run: a new run of the same task with the same inputs, started at
-- once, naming the run it replays (replay_of). It gets a key of its own:
-- a receiver that drops resends by webhook-id must not drop a replay, which
-- a person asked for. Who may: as run_task_now (owners, editors, admins);
-- a run the caller cannot see gets the answer an unknown id gets.
create or replace function scheduler.replay_run(p_run_id uuid, p_now timestamptz default now())
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_status scheduler.run_status;
  v_inputs jsonb;
  v_name text;
  v_run_id uuid;
begin
  select r.task_id, r.status, r.inputs, t.name into v_task_id, v_status, v_inputs, v_name
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id and t.deleted_at is null
  where r.id = p_run_id;
  if v_task_id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_task_id)) then
    raise exception 'replay_run: run % does not exist', p_run_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(v_task_id)) then
    raise exception 'replay_run: you may not replay runs of task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if v_status not in ('completed', 'failed', 'cancelled', 'skipped') then
    raise exception 'replay_run: p_run_id: run % is still %; only a finished run (completed, failed, cancelled or skipped) is replayed', p_run_id, v_status
      using errcode = '22023';
  end if;
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by, replay_of)
  values (v_task_id, p_now, 'queued', 1, 'replay', v_inputs, (select auth.uid()), p_run_id)
  returning id into v_run_id;
  return v_run_id;
end;
$$;

comment on function scheduler.replay_run(uuid, timestamptz) is 'Queues a new run of a finished run''s task with the same inputs (triggered_by replay, replay_of the run, requested_by the caller, a new idempotency key) and wakes the dispatcher. Owners, editors and admins of the task.';

revoke execute on function scheduler.replay_run(uuid, timestamptz) from public, anon;

grant execute on function scheduler.replay_run(uuid, timestamptz) to authenticated, service_role;
