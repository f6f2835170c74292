create or replace function scheduler.validate_cron_expression(expression text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  perform scheduler_internal.cron_parse(expression);
end;
$$;

comment on function scheduler.validate_cron_expression(text) is 'Raises 22023 with a message naming the field and token when the cron expression does not parse; returns nothing when it does.';

revoke execute on function scheduler.validate_cron_expression(text) from public, anon;

grant execute on function scheduler.validate_cron_expression(text) to authenticated, service_role;
