-- work that should start now (manual runs, events, approvals) wakes the
-- dispatcher at once instead of waiting for the minute tick; without Vault
-- entries it only warns, and the next tick picks the work up
create or replace function scheduler_internal.wake_dispatcher(p_reason text default 'immediate') returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.invoke_dispatcher(p_reason);
exception when sqlstate '55000' then
  raise warning '%', sqlerrm;
end;
$$;

comment on function scheduler_internal.wake_dispatcher(text) is 'invoke_dispatcher for immediate work: warns instead of failing when the Vault entries are missing.';

revoke execute on function scheduler_internal.wake_dispatcher(text) from public, anon, authenticated;
