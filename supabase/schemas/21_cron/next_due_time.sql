-- the next due time strictly after p_after, by the task's schedule
create or replace function scheduler_internal.next_due_time(
  p_schedule_cron text, p_schedule_interval interval, p_run_at timestamptz, p_timezone text, p_after timestamptz
) returns timestamptz
language sql stable
set search_path = ''
as $$
  select case
    when p_schedule_cron is not null then scheduler.next_cron_time(p_schedule_cron, p_timezone, p_after)
    when p_schedule_interval is not null then p_after + p_schedule_interval
    when p_run_at is not null and p_run_at > p_after then p_run_at
  end
$$;

comment on function scheduler_internal.next_due_time(text, interval, timestamptz, text, timestamptz) is 'Next due instant strictly after p_after for a cron, interval or one-off schedule (null when none is left).';

revoke execute on function scheduler_internal.next_due_time(text, interval, timestamp with time zone, text, timestamp with time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.next_due_time(text,interval,timestamp with time zone,text,timestamp with time zone) to authenticated, service_role;
