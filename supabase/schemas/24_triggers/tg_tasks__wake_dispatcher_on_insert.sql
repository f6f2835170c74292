-- tasks created, edited or resumed with a due time before the next look
create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(next_run_at) into v_due from new_tasks where is_active and deleted_at is null;
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'task due soon');
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() is 'Asks for a dispatcher when new tasks fall due before it would look.';

revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() from public, anon, authenticated;
