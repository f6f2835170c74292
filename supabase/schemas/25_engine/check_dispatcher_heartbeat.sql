-- the dead-man check, every minute from scheduler-tick. A fresh install has
-- no admin yet, so the owners of work that is due hear it too; whoever heard
-- that it stopped hears that it is back. The tick wakes the dispatcher only
-- when there is work, so a dispatcher with nothing to do is healthy, and
-- silence counts from when work fell due (a project idle for hours is not
-- an outage the minute a task falls due).
create or replace function scheduler.check_dispatcher_heartbeat(p_now timestamptz default now()) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_minutes integer := coalesce((scheduler_internal.setting('dead_man_minutes'))::integer, 5);
  v_beat scheduler_internal.dispatcher_heartbeat;
  v_silent_since timestamptz;
  v_due_since timestamptz;
  v_recipients uuid[];
begin
  select * into v_beat from scheduler_internal.dispatcher_heartbeat for update;
  if v_beat.alerted_at is not null then
    if v_beat.last_tick_at is null or v_beat.last_tick_at <= v_beat.alerted_at then
      return false; -- a quiet dispatcher is only news once per outage
    end if;
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, data)
    select u.id, 'The scheduler is running again',
      'The dispatcher claimed work again at ' || v_beat.last_tick_at || '; it had been silent when you were alerted at ' || v_beat.alerted_at || '. Work that fell due meanwhile follows each task''s misfire_policy.',
      'status', 'normal', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at, 'alerted_at', v_beat.alerted_at)
    from scheduler.profiles u where u.id = any (v_beat.alerted_user_ids);
    update scheduler_internal.dispatcher_heartbeat set alerted_at = null, alerted_user_ids = '{}';
    return true;
  end if;
  v_due_since := scheduler_internal.earliest_dispatch_work(p_now, p_now);
  if v_due_since is null then
    return false; -- nothing to do: nobody was woken, nobody is late
  end if;
  v_silent_since := greatest(coalesce(v_beat.last_tick_at, v_beat.watching_since), v_due_since);
  if v_silent_since >= p_now - make_interval(mins => v_minutes) then
    return false;
  end if;
  select coalesce(array_agg(distinct r.id), '{}') into v_recipients from (
    select p.id from scheduler.profiles p where p.role = 'admin' and p.status = 'active'
    union all
    select t.owner_id from scheduler_internal.due_tasks t
    where t.next_run_at <= p_now
    union all
    select t.owner_id from scheduler.task_runs q join scheduler.tasks t on t.id = q.task_id
    where q.status = 'queued' and q.scheduled_time <= p_now and t.deleted_at is null
  ) r;
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, data)
  select u, 'The scheduler has stopped',
    case when v_beat.last_tick_at is null
      then 'The dispatcher has not claimed work since the scheduler was installed (' || v_beat.watching_since || '). Check the Vault entries project_url and dispatcher_secret, the scheduler-tick pg_cron job, net._http_response and the dispatcher function logs.'
      else 'The dispatcher last claimed work at ' || v_beat.last_tick_at || '. Check the scheduler-tick pg_cron job, net._http_response and the dispatcher function logs.'
    end,
    'alert', 'urgent', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at, 'silent_since', v_silent_since)
  from unnest(v_recipients) u;
  update scheduler_internal.dispatcher_heartbeat set alerted_at = p_now, alerted_user_ids = v_recipients;
  return true;
end;
$$;

comment on function scheduler.check_dispatcher_heartbeat(timestamptz) is 'Dead-man check: once the dispatcher has not claimed for dead_man_minutes while work was due (earliest_dispatch_work; nothing due is healthy), counted from its last claim or the install, whichever is later than the work falling due, notifies the admins and the owners of due work, once per outage; when it claims again, tells the same people. Returns whether it notified anyone.';

revoke execute on function scheduler.check_dispatcher_heartbeat(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.check_dispatcher_heartbeat(timestamptz) to service_role;
