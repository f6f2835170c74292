-- an event starts every task of the same owner subscribed to its name. A
-- task with a debounce_window gathers the events of one window into one
-- run, due at the window's end: the first event opens it, later ones fold
-- into its run while it is still queued (or awaiting approval) and not yet
-- due, giving it their inputs (debounce_inputs last) or adding theirs
-- (all). The claim takes such a run at its second, never ahead, so every
-- event of the window reaches it.
create or replace function scheduler_internal.tg_events__start_subscribed_tasks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  -- a run's inputs are at most 64 KiB of JSON (tg_task_runs__validate)
  c_max_bytes constant integer := 65536;
  -- the JSON text around the events of debounce_inputs all: {"events": [...]}
  c_envelope constant integer := octet_length('{"events": []}');
  v_now timestamptz := scheduler_internal.clock_now();
  v_at timestamptz := clock_timestamp();
  v_task record;
  v_event record;
  v_open record;
  v_open_id uuid;
  v_folded integer;
  v_events jsonb[];
  v_bytes integer;
  v_item jsonb;
begin
  -- the payload is what the task is given ({{inputs.<field>}}); the event
  -- itself is named by event_id and triggered_by. The runs' ids follow the
  -- events' (a watcher's events are in the order of its items), so a task
  -- that takes its runs one at a time takes them in that order
  insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id)
  select scheduler_internal.uuid_v7_seq(v_at, row_number() over (order by e.id, s.task_id)),
    s.task_id, v_now, 'queued', 1, 'event:' || e.event_type, e.payload, e.id
  from new_events e
  join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
  join scheduler.tasks t on t.id = s.task_id
  where t.owner_id = e.user_id and t.is_active and t.deleted_at is null and t.debounce_window is null;

  -- debounced tasks, one at a time in id order (two writers of one task's
  -- events wait for each other here, so one window has one run)
  for v_task in
    select distinct t.id, t.owner_id, t.debounce_window, t.debounce_inputs
    from new_events e
    join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
    join scheduler.tasks t on t.id = s.task_id
    where t.owner_id = e.user_id and t.is_active and t.deleted_at is null and t.debounce_window is not null
    order by t.id
  loop
    perform pg_advisory_xact_lock(hashtextextended('scheduler.debounce:' || v_task.id::text, 0));
    -- the window still open: its run not yet due, and not yet taken
    select r.id, r.inputs, r.wait_reason into v_open
    from scheduler.task_runs r
    where r.task_id = v_task.id and r.status in ('queued', 'awaiting_approval')
      and r.triggered_by like 'event:%' and r.scheduled_time > v_now
    order by r.scheduled_time desc, r.id desc
    limit 1
    for update;
    if v_task.debounce_inputs = 'last' then
      -- how many events the open run holds: its note says (debounce_note)
      v_folded := case when v_open.id is null then 0
        else coalesce((substring(v_open.wait_reason from '^debounced: (\d+) event')::integer), 1) end;
      select e.id, e.event_type, e.payload, count(*) over () as n into v_event
      from new_events e
      join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
      where s.task_id = v_task.id and e.user_id = v_task.owner_id
      order by e.created_at desc, e.id desc
      limit 1;
      if v_open.id is null then
        insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id, wait_reason)
        values (v_task.id, v_now + v_task.debounce_window, 'queued', 1, 'event:' || v_event.event_type, v_event.payload, v_event.id,
          scheduler_internal.debounce_note(v_event.n::integer, v_task.debounce_window, 'last'));
      else
        update scheduler.task_runs r
        set inputs = v_event.payload, event_id = v_event.id, triggered_by = 'event:' || v_event.event_type,
            wait_reason = scheduler_internal.debounce_note(v_folded + v_event.n::integer, v_task.debounce_window, 'last')
        where r.id = v_open.id;
      end if;
    else
      -- all: each event added to the open run while its inputs stay within
      -- the limit; the next event past it opens a run of its own
      v_open_id := v_open.id;
      v_events := coalesce(array(select x from jsonb_array_elements(v_open.inputs -> 'events') x), '{}');
      v_bytes := case when jsonb_typeof(v_open.inputs -> 'events') is distinct from 'array' then c_envelope
        else octet_length(v_open.inputs::text) end;
      for v_event in
        select e.id, e.event_type, e.payload
        from new_events e
        join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
        where s.task_id = v_task.id and e.user_id = v_task.owner_id
        order by e.created_at, e.id
      loop
        v_item := jsonb_build_object('event_id', v_event.id, 'event_type', v_event.event_type, 'payload', v_event.payload);
        -- an event too large to go with the envelope is named, not copied:
        -- its payload stays in scheduler.events
        if c_envelope + octet_length(v_item::text) > c_max_bytes then
          v_item := jsonb_build_object('event_id', v_event.id, 'event_type', v_event.event_type, 'payload', null,
            'payload_omitted', 'the payload is ' || octet_length(v_event.payload::text)
              || ' bytes, too large to go with the others; read it from scheduler.events by event_id');
        end if;
        if cardinality(v_events) > 0
           and v_bytes + octet_length(v_item::text) + 2 > c_max_bytes then
          perform scheduler_internal.debounce_flush(v_task.id, v_open_id, v_now + v_task.debounce_window, v_task.debounce_window, v_events);
          v_open_id := null;
          v_events := '{}';
          v_bytes := c_envelope;
        end if;
        v_bytes := v_bytes + octet_length(v_item::text) + case when cardinality(v_events) > 0 then 2 else 0 end;
        v_events := v_events || v_item;
      end loop;
      perform scheduler_internal.debounce_flush(v_task.id, v_open_id, v_now + v_task.debounce_window, v_task.debounce_window, v_events);
    end if;
  end loop;
  return null;
end;
$$;

comment on function scheduler_internal.tg_events__start_subscribed_tasks() is 'Queues a run (triggered_by event:<name>) for each subscribed task of the event''s owner, or folds the event into the open debounce window''s run; the dispatcher is woken at once.';

revoke execute on function scheduler_internal.tg_events__start_subscribed_tasks() from public, anon, authenticated;
