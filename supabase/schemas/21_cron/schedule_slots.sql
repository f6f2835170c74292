-- the due times of a schedule from p_from to p_to, both included, in order,
-- at most p_max of them (backfill asks for one more than its limit, to
-- refuse a range that holds more). A cron expression in its timezone; an
-- interval on the grid its task keeps (p_anchor, the next due time: the
-- engine steps by the interval from there); a one-off's single instant.
-- Bounded by p_max whatever the range: the walk never looks further.
create or replace function scheduler_internal.schedule_slots(
  p_schedule_cron text, p_schedule_interval interval, p_run_at timestamptz, p_timezone text,
  p_anchor timestamptz, p_from timestamptz, p_to timestamptz, p_max integer
) returns setof timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_at timestamptz;
  v_anchor timestamptz := coalesce(p_anchor, p_from);
  v_k bigint;
  v_n integer := 0;
begin
  if p_from is null or p_to is null or p_from > p_to or coalesce(p_max, 0) < 1 then
    return;
  end if;
  if p_schedule_cron is not null then
    -- next_cron_time is strictly after its argument: a slot at p_from counts
    v_at := scheduler.next_cron_time(p_schedule_cron, p_timezone, p_from - interval '1 microsecond');
    while v_at is not null and v_at <= p_to and v_n < p_max loop
      return next v_at;
      v_n := v_n + 1;
      v_at := scheduler.next_cron_time(p_schedule_cron, p_timezone, v_at);
    end loop;
  elsif p_schedule_interval is not null then
    -- the first k with anchor + k * interval at or after p_from, estimated
    -- from the seconds, then corrected (a month or a day is not a fixed
    -- number of seconds)
    v_k := ceil(extract(epoch from (p_from - v_anchor)) / extract(epoch from p_schedule_interval))::bigint;
    while v_anchor + v_k * p_schedule_interval < p_from loop
      v_k := v_k + 1;
    end loop;
    while v_anchor + (v_k - 1) * p_schedule_interval >= p_from loop
      v_k := v_k - 1;
    end loop;
    v_at := v_anchor + v_k * p_schedule_interval;
    while v_at <= p_to and v_n < p_max loop
      return next v_at;
      v_n := v_n + 1;
      v_k := v_k + 1;
      v_at := v_anchor + v_k * p_schedule_interval;
    end loop;
  elsif p_run_at is not null and p_run_at between p_from and p_to then
    return next p_run_at;
  end if;
end;
$$;

comment on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) is 'The due times of a cron (in p_timezone), interval (on the grid of p_anchor) or one-off schedule from p_from to p_to, both included, in order, at most p_max. Used by backfill and upcoming_runs.';

revoke execute on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) from public, anon;

-- upcoming_runs runs as its caller
grant execute on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) to authenticated, service_role;
