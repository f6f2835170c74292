-- housekeeping: the dead-man check on the dispatcher, pruning of run history
-- in small committed batches, and the pg_cron jobs that drive the engine.

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
    'The dispatcher last claimed work at ' || v_beat.last_tick_at || '. Check the dispatch-due-tasks pg_cron job, net._http_response and the dispatcher function logs.',
    'alert', 'urgent', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at)
  from scheduler.profiles p where p.role = 'admin' and p.status = 'active';
  update scheduler_internal.dispatcher_heartbeat set alerted_at = p_now;
  return true;
end;
$$;
comment on function scheduler.check_dispatcher_heartbeat(timestamptz) is 'Dead-man check: notifies admins once when the dispatcher has not claimed for dead_man_minutes. Returns whether it alerted.';
revoke execute on function scheduler.check_dispatcher_heartbeat(timestamptz) from public, anon, authenticated;
grant execute on function scheduler.check_dispatcher_heartbeat(timestamptz) to service_role;

create or replace procedure scheduler.prune_run_history(
  p_now timestamptz default now(), p_max_batches integer default 1000, p_commit boolean default true
)
language plpgsql
set search_path = ''
as $$
declare
  v_cutoff timestamptz := p_now - coalesce((scheduler_internal.setting('run_retention') #>> '{}')::interval, interval '30 days');
  v_log_cutoff timestamptz := p_now - coalesce((scheduler_internal.setting('log_retention') #>> '{}')::interval, interval '30 days');
  v_batch integer := coalesce((scheduler_internal.setting('prune_batch_size'))::integer, 5000);
  v_deleted integer;
  v_i integer := 0;
begin
  loop
    delete from scheduler.task_runs
    where id in (
      select id from scheduler.task_runs
      where created_at < v_cutoff and status in ('completed', 'failed', 'cancelled', 'skipped')
      limit v_batch
    );
    get diagnostics v_deleted = row_count;
    v_i := v_i + 1;
    -- each batch commits on its own, so no lock is held for long; tests call
    -- it inside their own transaction with p_commit => false
    if p_commit then
      commit;
    end if;
    exit when v_deleted < v_batch or v_i >= p_max_batches;
  end loop;
  delete from scheduler.system_logs where created_at < v_log_cutoff;
end;
$$;
comment on procedure scheduler.prune_run_history(timestamptz, integer, boolean) is 'Deletes finished runs older than the run_retention setting (and old system_logs), in batches of prune_batch_size, committing after each.';
revoke execute on procedure scheduler.prune_run_history(timestamptz, integer, boolean) from public, anon, authenticated;
grant execute on procedure scheduler.prune_run_history(timestamptz, integer, boolean) to service_role;

select cron.schedule('dispatch-due-tasks', '* * * * *', 'select scheduler_internal.invoke_dispatcher()');
select cron.schedule('expire-approvals', '* * * * *', 'select scheduler.expire_approvals()');
select cron.schedule('dispatcher-dead-man', '* * * * *', 'select scheduler.check_dispatcher_heartbeat()');
select cron.schedule('prune-run-history', '17 3 * * *', 'call scheduler.prune_run_history()');
