-- a queued event or dependency run of such a task is held instead; the WHEN
-- clause keeps this row trigger off the claim's hot path (scheduled runs,
-- retries and manual runs never reach the function)
create or replace function scheduler_internal.tg_task_runs__hold_for_approval() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select t.requires_approval from scheduler.tasks t where t.id = new.task_id) then
    new.status := 'awaiting_approval';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_runs__hold_for_approval() is 'Holds a new event- or dependency-triggered run of a task that requires approval in awaiting_approval.';

revoke execute on function scheduler_internal.tg_task_runs__hold_for_approval() from public, anon, authenticated;
