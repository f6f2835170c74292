-- a run now, by hand. One answer for a task that does not exist and one the
-- caller cannot see, so no one learns of another user's task; a task the
-- caller sees but may not edit (shared for viewing) is refused by name.
-- With p_idempotency_key, a second call with the same key for the same task
-- inside idempotency_window returns the first call's run and starts nothing
-- (a client's retry after a lost answer, a double click), also when the two
-- calls race: the key is taken in scheduler_internal.idempotency_keys.
create or replace function scheduler.run_task_now(
  p_task_id uuid, p_now timestamptz default now(), p_inputs jsonb default null, p_idempotency_key text default null
)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_name text;
  v_run_id uuid := scheduler_internal.uuid_v7();
  v_holder uuid;
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
  if p_idempotency_key is not null then
    if length(p_idempotency_key) not between 1 and 255 then
      raise exception 'run_task_now: p_idempotency_key must be 1 to 255 characters, got %', length(p_idempotency_key)
        using errcode = '22023';
    end if;
    v_holder := scheduler_internal.claim_idempotency_key('run_task_now', p_task_id, p_idempotency_key, v_run_id, p_now);
    if v_holder is not null then
      return v_holder;
    end if;
  end if;
  insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by)
  values (v_run_id, p_task_id, p_now, 'queued', 1, 'manual', coalesce(p_inputs, '{}'), (select auth.uid()));
  return v_run_id;
end;
$$;

comment on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) is 'Queues a run now (triggered_by manual, requested_by the caller) with optional inputs ({{inputs.<field>}}) and wakes the dispatcher through pg_net. With p_idempotency_key, a repeat inside the idempotency_window setting (24 hours) returns the first run instead of queuing another. Owners, editors and admins.';

revoke execute on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) from public, anon;

grant execute on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) to authenticated, service_role;
