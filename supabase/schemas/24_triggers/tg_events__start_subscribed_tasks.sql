-- an event starts every task of the same owner subscribed to its name
create or replace function scheduler_internal.tg_events__start_subscribed_tasks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
  select s.task_id, scheduler_internal.clock_now(), 'queued', 1, 'event:' || e.event_type,
    jsonb_build_object('event_id', e.id, 'event_type', e.event_type, 'payload', e.payload)
  from new_events e
  join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
  join scheduler.tasks t on t.id = s.task_id
  where t.owner_id = e.user_id and t.is_active and t.deleted_at is null;
  return null;
end;
$$;

comment on function scheduler_internal.tg_events__start_subscribed_tasks() is 'Queues a run (triggered_by event:<name>) for each subscribed task of the event''s owner; the dispatcher is woken at once.';

revoke execute on function scheduler_internal.tg_events__start_subscribed_tasks() from public, anon, authenticated;
