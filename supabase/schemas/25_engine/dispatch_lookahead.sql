-- settings the triggers and the dispatcher read, as numbers
create or replace function scheduler_internal.dispatch_lookahead() returns interval
language sql stable security definer
set search_path = ''
as $$
  select coalesce((scheduler_internal.setting('dispatch_lookahead') #>> '{}')::interval, interval '10 seconds')
$$;

comment on function scheduler_internal.dispatch_lookahead() is 'The dispatch_lookahead setting.';

revoke execute on function scheduler_internal.dispatch_lookahead() from public, anon, authenticated;

grant execute on function scheduler_internal.dispatch_lookahead() to authenticated, service_role;
