-- a debounced run of debounce_inputs all gets its window's events: a new run
-- at the window's end, or the open one, updated. The latest event names it
-- (event_id, triggered_by). Called by the event trigger, as its definer
create or replace function scheduler_internal.debounce_flush(
  p_task_id uuid, p_open_run_id uuid, p_due timestamptz, p_window interval, p_events jsonb[]
) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_last jsonb := p_events[cardinality(p_events)];
begin
  if cardinality(p_events) = 0 then
    return;
  end if;
  if p_open_run_id is null then
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id, wait_reason)
    values (p_task_id, p_due, 'queued', 1, 'event:' || (v_last ->> 'event_type'),
      jsonb_build_object('events', to_jsonb(p_events)), (v_last ->> 'event_id')::uuid,
      scheduler_internal.debounce_note(cardinality(p_events), p_window, 'all'));
  else
    update scheduler.task_runs r
    set inputs = jsonb_build_object('events', to_jsonb(p_events)),
        event_id = (v_last ->> 'event_id')::uuid,
        triggered_by = 'event:' || (v_last ->> 'event_type'),
        wait_reason = scheduler_internal.debounce_note(cardinality(p_events), p_window, 'all')
    where r.id = p_open_run_id;
  end if;
end;
$$;

comment on function scheduler_internal.debounce_flush(uuid, uuid, timestamptz, interval, jsonb[]) is 'Writes a debounce window''s events (debounce_inputs all) into its run: a new one due at p_due, or the open one.';

revoke execute on function scheduler_internal.debounce_flush(uuid, uuid, timestamptz, interval, jsonb[]) from public, anon, authenticated;
