-- how many queued runs of a task are ahead of one (due first, then by id),
-- counted no further than p_bound: a run is taken only when fewer than the
-- task's room are ahead, so the count never needs to go past the room (and
-- with no room, nothing is read). The task's queue comes from the open-runs
-- index; a wider index in due order would cost every run an 8-byte-wider
-- entry (4 % more WAL in bench/'s burst) for a feature few tasks use
create or replace function scheduler_internal.queue_position(
  p_task_id uuid, p_scheduled_time timestamptz, p_run_id uuid, p_bound integer
) returns integer
language sql stable
set search_path = ''
as $$
  select count(*)::integer from (
    select 1 from scheduler.task_runs q
    where q.task_id = p_task_id and q.status = 'queued'
      and q.scheduled_time <= p_scheduled_time and (q.scheduled_time, q.id) < (p_scheduled_time, p_run_id)
    limit greatest(p_bound, 0)
  ) a
$$;

comment on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) is 'The queued runs of a task ahead of the given one, up to p_bound.';

revoke execute on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) to service_role;
