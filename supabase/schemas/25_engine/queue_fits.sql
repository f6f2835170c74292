-- whether a queued run of a task with a max_concurrency or a rate limit may
-- be taken now: fewer of the task's queued runs are ahead of it than the
-- task has room for (less p_picked, what the same claim already took of
-- the task). A function of its own, so the claim's statement stays quick to
-- plan; called only for tasks that have a rule
create or replace function scheduler_internal.queue_fits(
  p_task_id uuid, p_run_id uuid, p_scheduled_time timestamptz, p_at timestamptz, p_overlap_policy text,
  p_max_concurrency integer, p_rate_limit_count integer, p_rate_limit_period interval, p_picked integer
) returns boolean
language sql stable
set search_path = ''
as $$
  select case when p_overlap_policy = 'allow'
           then scheduler_internal.queue_position(p_task_id, p_scheduled_time, p_run_id, x.room) else 0 end < x.room
  from (
    select coalesce(least(
        case when p_max_concurrency is not null and p_overlap_policy = 'allow'
          then scheduler_internal.concurrency_room(p_task_id, p_max_concurrency) end,
        case when p_rate_limit_count is not null
          then scheduler_internal.rate_room(p_task_id, p_rate_limit_count, p_rate_limit_period, p_at) end
      ), 2147483647) - coalesce(p_picked, 0) as room
  ) x
$$;

comment on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) is 'Whether a queued run fits its task''s max_concurrency and rate limit now (the runs ahead of it against the room left).';

revoke execute on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) to service_role;
