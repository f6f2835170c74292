create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_update() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.request_dispatch(new.next_run_at, 'task due soon');
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() is 'Asks for a dispatcher when an edited or resumed task falls due before it would look.';

revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() from public, anon, authenticated;
