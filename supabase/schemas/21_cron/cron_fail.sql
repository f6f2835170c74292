create or replace function scheduler_internal.cron_fail(p_expression text, p_field text, p_message text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  -- a message quotes at most the start of a long expression
  raise exception 'invalid cron expression "%": % field: %',
    case when length(p_expression) > 80 then left(p_expression, 77) || '...' else p_expression end, p_field, p_message
    using errcode = '22023';
end;
$$;

revoke execute on function scheduler_internal.cron_fail(text, text, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_fail(text,text,text) to authenticated, service_role;
