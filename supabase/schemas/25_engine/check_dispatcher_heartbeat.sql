create or replace function scheduler.check_dispatcher_heartbeat(p_now timestamptz default now()) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_minutes integer := coalesce((scheduler_internal.setting('dead_man_minutes'))::integer, 5);
  v_beat scheduler_internal.dispatcher_heartbeat;
begin
  select * into v_beat from scheduler_internal.dispatcher_heartbeat for update;
  -- a quiet dispatcher is only news once per outage
  if v_beat.last_tick_at is null
     or v_beat.last_tick_at >= p_now - make_interval(mins => v_minutes)
     or (v_beat.alerted_at is not null and v_beat.alerted_at >= v_beat.last_tick_at) then
    return false;
  end if;
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, data)
  select p.id, 'The scheduler has stopped',
    'The dispatcher last claimed work at ' || v_beat.last_tick_at || '. Check the scheduler-tick pg_cron job, net._http_response and the dispatcher function logs.',
    'alert', 'urgent', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at)
  from scheduler.profiles p where p.role = 'admin' and p.status = 'active';
  update scheduler_internal.dispatcher_heartbeat set alerted_at = p_now;
  return true;
end;
$$;

comment on function scheduler.check_dispatcher_heartbeat(timestamptz) is 'Dead-man check: notifies admins once when the dispatcher has not claimed for dead_man_minutes. Returns whether it alerted.';

revoke execute on function scheduler.check_dispatcher_heartbeat(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.check_dispatcher_heartbeat(timestamptz) to service_role;
