create or replace function scheduler_internal.http_url_error(p_payload jsonb, p_key text, p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' then p_key || ': must be a string'
    when length(p_payload ->> p_key) > 2048
      or (p_payload ->> p_key) !~ '^[hH][tT][tT][pP][sS]?://([A-Za-z0-9._~%!$&''()*+,;=-]+@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
      then p_key || ': must be an absolute http(s) URL'
  end
$$;

revoke execute on function scheduler_internal.http_url_error(jsonb, text, boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.http_url_error(jsonb,text,boolean) to authenticated, service_role;
