create or replace function scheduler_internal.assert_valid_timezone(p_tz text) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if p_tz is null or p_tz !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
  end if;
  perform now() at time zone p_tz;
exception
  when invalid_parameter_value then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
end;
$$;

comment on function scheduler_internal.assert_valid_timezone(text) is 'Raises 22023 with a clear message unless p_tz is a timezone PostgreSQL knows.';

revoke execute on function scheduler_internal.assert_valid_timezone(text) from public, anon;

grant execute on function scheduler_internal.assert_valid_timezone(text) to authenticated, service_role;
