-- queued runs due soon (manual, events, approvals, retries, dependents)
create or replace function scheduler_internal.tg_task_runs__wake_dispatcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(scheduled_time) into v_due from new_runs where status = 'queued';
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'queued run');
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_task_runs__wake_dispatcher() is 'Asks for a dispatcher when runs are queued (manual, event, retry, dependency); debounced in scheduler_internal.request_dispatch.';

revoke execute on function scheduler_internal.tg_task_runs__wake_dispatcher() from public, anon, authenticated;
