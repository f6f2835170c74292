-- an event starts every task of the same owner subscribed to its name
create or replace function scheduler_internal.tg_events__start_subscribed_tasks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_at timestamptz := clock_timestamp();
begin
  -- the payload is what the task is given ({{inputs.<field>}}); the event
  -- itself is named by event_id and triggered_by. The runs' ids follow the
  -- events' (a watcher's events are in the order of its items), so a task
  -- that takes its runs one at a time takes them in that order
  insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id)
  select scheduler_internal.uuid_v7_seq(v_at, row_number() over (order by e.id, s.task_id)),
    s.task_id, scheduler_internal.clock_now(), 'queued', 1, 'event:' || e.event_type, e.payload, e.id
  from new_events e
  join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
  join scheduler.tasks t on t.id = s.task_id
  where t.owner_id = e.user_id and t.is_active and t.deleted_at is null;
  return null;
end;
$$;

comment on function scheduler_internal.tg_events__start_subscribed_tasks() is 'Queues a run (triggered_by event:<name>) for each subscribed task of the event''s owner; the dispatcher is woken at once.';

revoke execute on function scheduler_internal.tg_events__start_subscribed_tasks() from public, anon, authenticated;
