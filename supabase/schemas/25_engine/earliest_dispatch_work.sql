-- what the dispatcher would find to do, for the minute tick (wake it only
-- when this is not null) and the dead-man check (a dispatcher with nothing
-- to do is not silent). Every kind of work a dispatcher invocation acts on:
--  * due tasks, as claim_due_runs takes them (active, not deleted, their
--    prerequisites met: a task waiting on one is woken by the run that
--    frees it);
--  * queued runs of tasks not deleted: retries, manual and event runs,
--    debounced runs (due at their window's end), runs given back, runs
--    waiting for room (they are taken when it frees up, so they count);
--  * leases that expired (reap_expired_leases gives them back or fails
--    them): only those past p_now, since an invocation does not stay awake
--    for a lease (plan_next_look stops when nothing is due), the tick after
--    the expiry reaps it, as it always did.
-- Expiring approvals are not the dispatcher's: the tick expires them itself.
-- Each probe is one read of a partial index in due order.
create or replace function scheduler_internal.earliest_dispatch_work(p_now timestamptz, p_until timestamptz)
returns timestamptz
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql: the tables are created after this file (30_tables)
  return least(
    (select min(t.next_run_at) from scheduler_internal.due_tasks t
     where t.next_run_at <= p_until
       and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = t.task_id)
            or scheduler_internal.dependencies_satisfied(t.task_id))),
    (select min(r.scheduled_time) from scheduler.task_runs r
     where r.status = 'queued' and r.scheduled_time <= p_until
       and exists (select 1 from scheduler.tasks t where t.id = r.task_id and t.deleted_at is null)),
    (select min(r.lease_expires_at) from scheduler.task_runs r
     where r.status in ('claimed', 'running') and r.lease_expires_at < p_now)
  );
end;
$$;

comment on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) is
  'The earliest due time of the work a dispatcher invocation acts on: tasks and queued runs due by p_until, leases expired by p_now; null when there is none. The tick wakes the dispatcher only when there is some; the dead-man check counts silence only from then.';

revoke execute on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) from public, anon, authenticated;

grant execute on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) to service_role;
