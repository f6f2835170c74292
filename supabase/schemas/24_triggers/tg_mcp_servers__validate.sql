-- what a user may write into mcp_servers: a named Streamable HTTP server
-- (stdio servers are processes, which an Edge Function cannot start), shared
-- only by an admin; the health check's columns are the health check's.
create or replace function scheduler_internal.tg_mcp_servers__validate() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_system boolean := scheduler_internal.acting_as_system();
begin
  if new.server_type = 'stdio' or new.command is not null or new.args is not null then
    raise exception 'command: stdio MCP servers cannot run in an Edge Function (it cannot start a process); give the url of a Streamable HTTP server instead'
      using errcode = '22023';
  end if;
  if new.server_type is distinct from 'streamable_http' then
    raise exception 'server_type: must be streamable_http (the only kind an Edge Function can reach), got %', coalesce(new.server_type, 'null')
      using errcode = '22023';
  end if;
  if new.name is null or length(new.name) not between 1 and 100 then
    raise exception 'name: must be 1 to 100 characters' using errcode = '22023';
  end if;
  if scheduler_internal.http_url_error(jsonb_strip_nulls(jsonb_build_object('url', new.url)), 'url', true) is not null then
    raise exception '%', scheduler_internal.http_url_error(jsonb_strip_nulls(jsonb_build_object('url', new.url)), 'url', true) || ' (the server''s Streamable HTTP endpoint)'
      using errcode = '22023';
  end if;
  if new.headers is null or jsonb_typeof(new.headers) <> 'object' then
    raise exception 'headers: must be a JSON object of header names to values' using errcode = '22023';
  end if;
  if new.is_shared and (tg_op = 'INSERT' or not old.is_shared) and not v_system and not (select scheduler_internal.is_admin()) then
    raise exception 'is_shared: only an admin may share an MCP server' using errcode = '42501';
  end if;
  if not v_system then
    if tg_op = 'INSERT' then
      new.status := 'inactive';
      new.last_heartbeat := null;
      new.last_error := null;
      new.capabilities := '[]'::jsonb;
    elsif new.status is distinct from old.status or new.last_heartbeat is distinct from old.last_heartbeat
       or new.last_error is distinct from old.last_error or new.capabilities is distinct from old.capabilities then
      raise exception 'status: status, last_heartbeat, last_error and capabilities are written by the health check, not by hand'
        using errcode = '42501';
    end if;
  end if;
  -- another endpoint is another server: nothing is known of it yet
  if tg_op = 'UPDATE' and new.url is distinct from old.url then
    new.status := 'inactive';
    new.last_heartbeat := null;
    new.last_error := null;
    new.capabilities := '[]'::jsonb;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__validate() is 'Refuses stdio servers (command, args), a missing or non-http(s) url and sharing by non-admins; keeps the health check''s columns for it.';

revoke execute on function scheduler_internal.tg_mcp_servers__validate() from public, anon, authenticated;
