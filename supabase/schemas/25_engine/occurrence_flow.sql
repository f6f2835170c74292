-- what a task's own flow rules make of a due occurrence the claim takes:
-- null (claim it), a skip over the rate limit, or a wait under
-- max_concurrency (over it, or behind the runs already waiting). A
-- function of its own, so the claim's statement stays quick to plan; called
-- only for tasks that have a rule
create or replace function scheduler_internal.occurrence_flow(
  p_task_id uuid, p_due_at timestamptz, p_overlap_policy text, p_max_concurrency integer,
  p_rate_limit_count integer, p_rate_limit_period interval
) returns text
language sql stable
set search_path = ''
as $$
  select case
    when p_rate_limit_count is not null
         and scheduler_internal.rate_room(p_task_id, p_rate_limit_count, p_rate_limit_period, p_due_at) < 1
      then 'skipped: the rate limit of ' || p_rate_limit_count || ' starts per ' || p_rate_limit_period
        || ' was reached (rate_limit_count, rate_limit_period)'
    when p_max_concurrency is not null and p_overlap_policy = 'allow'
         and scheduler_internal.concurrency_room(p_task_id, p_max_concurrency) < 1
      then 'waiting: max_concurrency ' || p_max_concurrency || ' reached (runs of this task claimed or running)'
    -- runs waiting for room go first: the occurrence queues behind them
    when p_max_concurrency is not null and p_overlap_policy = 'allow' and exists (
           select 1 from scheduler.task_runs q
           where q.task_id = p_task_id and q.status = 'queued' and q.scheduled_time <= p_due_at)
      then 'waiting: behind the queued runs of this task (max_concurrency ' || p_max_concurrency || ')'
  end
$$;

comment on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) is 'The claim''s note for a due occurrence under its task''s rate limit or max_concurrency: skipped: …, waiting: …, or null to claim it.';

revoke execute on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) from public, anon, authenticated;

grant execute on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) to service_role;
