-- flow control's columns get messages that name the field; the check
-- constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate_flow_control() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.max_concurrency is not null and new.max_concurrency < 1 then
    raise exception 'max_concurrency: must be at least 1 (null for no limit), got %', new.max_concurrency
      using errcode = '22023';
  end if;
  if new.max_concurrency > 10000 then
    raise exception 'max_concurrency: at most 10000 (null for no limit), got %', new.max_concurrency using errcode = '22023';
  end if;
  if num_nonnulls(new.rate_limit_count, new.rate_limit_period) = 1 then
    raise exception '%: a rate limit is rate_limit_count starts per rate_limit_period; set both, or neither',
      case when new.rate_limit_count is null then 'rate_limit_count' else 'rate_limit_period' end
      using errcode = '22023';
  end if;
  if new.rate_limit_count is not null and new.rate_limit_count < 1 then
    raise exception 'rate_limit_count: must be at least 1 (null for no limit), got %', new.rate_limit_count
      using errcode = '22023';
  end if;
  if new.rate_limit_count > 10000 then
    raise exception 'rate_limit_count: at most 10000, got %', new.rate_limit_count using errcode = '22023';
  end if;
  if new.rate_limit_period not between interval '1 second' and interval '31 days' then
    raise exception 'rate_limit_period: must be between 1 second and 31 days, got %', new.rate_limit_period
      using errcode = '22023';
  end if;
  if new.debounce_window not between interval '1 second' and interval '1 day' then
    raise exception 'debounce_window: must be between 1 second and 1 day (null: one run per event), got %', new.debounce_window
      using errcode = '22023';
  end if;
  if new.debounce_inputs is null or new.debounce_inputs not in ('last', 'all') then
    raise exception 'debounce_inputs: must be one of last, all, got %', coalesce('"' || new.debounce_inputs || '"', 'null')
      using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate_flow_control() is 'Refuses a max_concurrency, rate limit or debounce that cannot work, naming the field (22023).';

revoke execute on function scheduler_internal.tg_tasks__validate_flow_control() from public, anon, authenticated;
