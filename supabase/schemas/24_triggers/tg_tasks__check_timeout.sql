create or replace function scheduler_internal.tg_tasks__check_timeout() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_max integer := scheduler_internal.max_run_seconds();
begin
  if new.timeout_seconds > v_max then
    raise exception 'timeout_seconds % cannot be honoured: a run may last at most % s here', new.timeout_seconds, v_max
      using errcode = '22023',
            detail = 'An Edge Function worker runs at most edge_wall_clock_seconds (150 s on Free, 400 s on paid plans) and takes new requests only in its first half; the run also waits up to dispatch_lookahead for its second.',
            hint = 'Lower timeout_seconds, or on a paid plan: update scheduler_internal.settings set value = ''400'' where key = ''edge_wall_clock_seconds''.';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_timeout() is 'Refuses a timeout_seconds the Edge Functions platform cannot honour (see scheduler_internal.max_run_seconds()).';

revoke execute on function scheduler_internal.tg_tasks__check_timeout() from public, anon, authenticated;
