create or replace function scheduler_internal.scheduler_tick(p_now timestamptz default now()) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb := '{}';
  v_request_id bigint;
  v_work timestamptz;
begin
  -- each step runs in its own subtransaction: a failure undoes that step
  -- only, is reported, and the next step runs
  begin
    v_result := v_result || jsonb_build_object('expire_approvals', scheduler.expire_approvals(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('expire_approvals',
      scheduler_internal.log_failure('scheduler_tick', 'expire_approvals', sqlstate, sqlerrm));
  end;

  begin
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat', scheduler.check_dispatcher_heartbeat(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat',
      scheduler_internal.log_failure('scheduler_tick', 'check_dispatcher_heartbeat', sqlstate, sqlerrm));
  end;

  -- last, so nothing above can keep the dispatcher asleep. Only when
  -- there is work before the next tick's invocation can claim it (a minute,
  -- plus the lookahead it claims ahead): writes of nearer work wake a
  -- dispatcher themselves (request_dispatch), later work is the next tick's.
  -- An idle project invokes nothing (bench/RESULTS.md, idle cost per day)
  begin
    begin
      v_work := scheduler_internal.earliest_dispatch_work(p_now, p_now + interval '1 minute' + scheduler_internal.dispatch_lookahead());
    exception when others then
      -- it cannot tell (say, a broken dispatch_lookahead setting): wake the
      -- dispatcher, as every tick did before, and report why
      v_result := v_result || jsonb_build_object('earliest_dispatch_work',
        scheduler_internal.log_failure('scheduler_tick', 'earliest_dispatch_work', sqlstate, sqlerrm));
      v_work := p_now;
    end;
    if v_work is not null then
      v_request_id := scheduler_internal.invoke_dispatcher('tick');
    end if;
    if v_request_id is not null then
      -- an id seen before means pg_net was reinstalled: the new request owns it
      insert into scheduler_internal.dispatcher_requests (request_id) values (v_request_id)
      on conflict (request_id) do update set created_at = excluded.created_at;
    end if;
    -- null: nothing to do, nobody woken
    v_result := v_result || jsonb_build_object('invoke_dispatcher', v_request_id);
  exception when others then
    v_result := v_result || jsonb_build_object('invoke_dispatcher',
      scheduler_internal.log_failure('scheduler_tick', 'invoke_dispatcher', sqlstate, sqlerrm));
  end;
  return v_result;
end;
$$;

comment on function scheduler_internal.scheduler_tick(timestamptz) is 'pg_cron job scheduler-tick, every minute: expires approvals, runs the dead-man check, then wakes the dispatcher through pg_net (recording the request id) when it has work before the next tick plus the lookahead (earliest_dispatch_work; otherwise invoke_dispatcher is null). Each step is isolated: a failing one is reported (warning + system_logs) and the others still run. Returns what each step returned or its error.';

revoke execute on function scheduler_internal.scheduler_tick(timestamptz) from public, anon, authenticated, service_role;
