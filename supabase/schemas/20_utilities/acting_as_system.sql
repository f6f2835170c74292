-- who is acting: a signed-in user, or the system (service_role, postgres,
-- pg_cron jobs). policies and guard triggers use these.
create or replace function scheduler_internal.acting_as_system() returns boolean
language sql stable
set search_path = ''
as $$
  select (select auth.uid()) is null
     and current_user not in ('anon', 'authenticated')
$$;

comment on function scheduler_internal.acting_as_system() is 'True for service work (service_role, postgres, pg_cron): no end-user identity in the request.';

revoke execute on function scheduler_internal.acting_as_system() from public, anon;

grant execute on function scheduler_internal.acting_as_system() to authenticated, service_role;
