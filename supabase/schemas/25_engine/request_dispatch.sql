-- a write has made work due at p_due: wake a dispatcher unless one will look
-- in time (a second before it, at the latest).
create or replace function scheduler_internal.request_dispatch(p_due timestamptz, p_reason text default 'immediate')
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
  v_looks scheduler_internal.dispatcher_looks;
  v_sent boolean;
begin
  -- the tick after next looks in time, whenever this transaction commits
  if p_due is null or p_due >= date_trunc('minute', v_now) + interval '2 minutes' then
    return false;
  end if;
  -- held until commit: a dispatcher cannot plan its next look while this
  -- transaction is open (it looks again shortly instead), so whoever plans
  -- next sees this work
  select * into v_looks from scheduler_internal.dispatcher_looks for share;
  -- a looker that is late for its own look by more than a moment has died
  -- (a killed worker never clears the row): it is not trusted to look
  -- in time means a second ahead: the look hands the run over to its
  -- action, which must have it before its second
  if v_looks.awake_until > v_now and v_looks.next_look_at <= p_due - interval '1 second'
     and v_looks.next_look_at >= v_now - interval '2 seconds' then
    return false;
  end if;
  -- the next minute's tick claims it in time: its plan comes after this commit
  if p_due >= date_trunc('minute', v_now) + interval '1 minute' then
    return false;
  end if;
  -- debounce: a wake sent since the last plan brings a dispatcher whose plan
  -- will see this work too. A wake recorded more than 10 s after this
  -- clock's now is no such wake: it was written on a clock ahead of this one
  -- (a transaction that pinned scheduler.now ahead and committed, or a clock
  -- set back), and trusting it would silence every wake until real time
  -- caught up with it. (A few seconds ahead is only a writer whose
  -- transaction began after this one's: its wake counts.)
  update scheduler_internal.dispatcher_wakes w
  set last_wake_at = v_now, last_reason = p_reason, wakes = w.wakes + 1
  where w.last_wake_at is null
     or w.last_wake_at <= coalesce(v_looks.planned_at, '-infinity')
     or w.last_wake_at < v_now - interval '10 seconds'
     or w.last_wake_at > v_now + interval '10 seconds'
  returning true into v_sent;
  if v_sent then
    perform scheduler_internal.wake_dispatcher(p_reason);
  end if;
  return coalesce(v_sent, false);
end;
$$;

comment on function scheduler_internal.request_dispatch(timestamptz, text) is
  'Wakes a dispatcher through pg_net when work falls due at p_due and no dispatcher will look by then; at most one wake until a dispatcher has planned (debounce).';

revoke execute on function scheduler_internal.request_dispatch(timestamptz, text) from public, anon, authenticated;

grant execute on function scheduler_internal.request_dispatch(timestamptz, text) to service_role;
