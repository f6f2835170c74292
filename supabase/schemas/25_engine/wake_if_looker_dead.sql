-- the watchdog (pg_cron job scheduler-watchdog, every 10 s where pg_cron
-- takes seconds): a dispatcher killed mid-loop never clears its plan row, and
-- for steady scheduled work no write comes to notice it (the writes that
-- wake a dispatcher are new runs), so without this its claims waited for the
-- next minute's tick. A looker that should still be awake but is more than
-- 2 s late for its own look has died: ask for a dispatch now. A looker that
-- stopped (nothing due before it would have left) cleared the row and is
-- not woken: the tick and the writes cover that case.
-- A dispatcher killed before its first plan never named itself in the row at
-- all (the tick's invocation killed in its first second, after the previous
-- looker had stopped): then the dispatcher last asked for (the tick's
-- request in dispatcher_requests, or the last wake) is more than 5 s old and
-- nothing has planned since, and a dispatch is asked for too.
-- request_dispatch judges the wake (and debounces it) on clock_now(), which
-- is now() outside tests, as p_now is; a test pins scheduler.now to p_now.
create or replace function scheduler_internal.wake_if_looker_dead(p_now timestamptz default now())
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_looks scheduler_internal.dispatcher_looks;
  v_asked timestamptz;
begin
  if p_now is null then
    raise exception 'wake_if_looker_dead: p_now is required' using errcode = '22023';
  end if;
  select * into v_looks from scheduler_internal.dispatcher_looks;
  if v_looks.awake_until > p_now and v_looks.next_look_at < p_now - interval '2 seconds' then
    return scheduler_internal.request_dispatch(p_now, 'watchdog: looker overdue');
  end if;
  -- the newest request is the highest id (pg_net's sequence): one index probe.
  -- A wake recorded more than 10 s after p_now was written on a clock ahead
  -- of this one (request_dispatch sends the next wake regardless): it says
  -- nothing of when a dispatcher was last asked for, and would hide the
  -- tick's request
  select greatest(
    (select d.created_at from scheduler_internal.dispatcher_requests d order by d.request_id desc limit 1),
    (select w.last_wake_at from scheduler_internal.dispatcher_wakes w where w.last_wake_at <= p_now + interval '10 seconds'))
  into v_asked;
  if v_asked < p_now - interval '5 seconds' and v_asked > coalesce(v_looks.planned_at, '-infinity') then
    return scheduler_internal.request_dispatch(p_now, 'watchdog: no dispatcher planned since one was asked for');
  end if;
  return false;
end;
$$;

comment on function scheduler_internal.wake_if_looker_dead(timestamptz) is
  'pg_cron job scheduler-watchdog: when the dispatcher that should be looking is more than 2 s late for its planned look (its worker died), or no dispatcher has planned since one was last asked for (tick or wake) more than 5 s ago, requests a dispatch now (request_dispatch, debounced). Returns whether a wake was sent.';

revoke execute on function scheduler_internal.wake_if_looker_dead(timestamptz) from public, anon, authenticated, service_role;
