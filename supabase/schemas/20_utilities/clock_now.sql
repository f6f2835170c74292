-- triggers cannot take p_now, so they read this clock; tests pin it with
-- `set local scheduler.now = '...'`
create or replace function scheduler_internal.clock_now() returns timestamptz
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('scheduler.now', true), '')::timestamptz, now())
$$;

comment on function scheduler_internal.clock_now() is 'now(), unless the transaction pins scheduler.now (tests).';

revoke execute on function scheduler_internal.clock_now() from public, anon;

grant execute on function scheduler_internal.clock_now() to authenticated, service_role;
