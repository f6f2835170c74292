create or replace function scheduler_internal.cron_fail(p_expression text, p_field text, p_message text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  raise exception 'invalid cron expression "%": % field: %', p_expression, p_field, p_message
    using errcode = '22023';
end;
$$;
