-- what a user may insert into task_runs: a manual run of a task they may
-- edit (the policy), with inputs for its templates. The engine's columns
-- (lease, times, output, key, attempt, trigger, replay link) are the
-- engine's, whatever the insert said; inputs must be a JSON object the
-- action can read.
create or replace function scheduler_internal.tg_task_runs__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.inputs is not null and jsonb_typeof(new.inputs) <> 'object' then
    raise exception 'inputs: must be a JSON object (its fields are {{inputs.<field>}}), got %', jsonb_typeof(new.inputs)
      using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('inputs', new.inputs, 65536) is not null then
    raise exception '%', scheduler_internal.json_size_error('inputs', new.inputs, 65536) using errcode = '22023';
  end if;
  -- a user's own insert (through the Data API), not the scheduler's
  -- functions acting for them (events, run_task_now run as their owner)
  if tg_op = 'INSERT' and current_user in ('authenticated', 'anon') then
    new.triggered_by := 'manual';
    new.requested_by := (select auth.uid());
    new.attempt := 1;
    new.event_id := null;
    new.replay_of := null;
    new.idempotency_key := null;
    new.start_time := null;
    new.end_time := null;
    new.output := null;
    new.log := null;
    new.log_summary := null;
    new.wait_reason := null;
    new.error_message := null;
    new.locked_at := null;
    new.locked_by := null;
    new.lease_expires_at := null;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_runs__validate() is 'Refuses run inputs that are not a JSON object of at most 64 KiB; a run a user inserts is a manual run of theirs, with the engine''s columns left to the engine.';

revoke execute on function scheduler_internal.tg_task_runs__validate() from public, anon, authenticated;
