-- how many more runs of a rate-limited task may start at p_at: the limit
-- less its starts within the window before p_at (the log the start gate
-- keeps, counted no further than the limit) and less its runs claimed and
-- not started yet (each will be a start). Called only for tasks that have
-- a rate limit
create or replace function scheduler_internal.rate_room(
  p_task_id uuid, p_rate_limit_count integer, p_rate_limit_period interval, p_at timestamptz
) returns integer
language sql stable
set search_path = ''
as $$
  select p_rate_limit_count
    - (select count(*)::integer from (
        select 1 from scheduler_internal.task_starts s
        where s.task_id = p_task_id and s.started_at > p_at - p_rate_limit_period
        limit p_rate_limit_count) w)
    - (select count(*)::integer from scheduler.task_runs o where o.task_id = p_task_id and o.status = 'claimed')
$$;

comment on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) is 'rate_limit_count less the task''s starts in the rate_limit_period before p_at and its claimed runs (0 or less: the window is full).';

revoke execute on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) from public, anon, authenticated;

grant execute on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) to service_role;
