-- the health check's results: a server that listed its tools is active,
-- with them as its capabilities and now as its heartbeat; one that failed
-- is in error with the reason, keeping what it listed last.
create or replace function scheduler.record_mcp_health(p_checks jsonb, p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  if p_checks is null or jsonb_typeof(p_checks) <> 'array' then
    raise exception 'record_mcp_health: p_checks must be a JSON array of {server_id, ok, tools, error}' using errcode = '22023';
  end if;
  update scheduler.mcp_servers s
  set status = case when c.ok then 'active' else 'error' end,
      last_heartbeat = case when c.ok then p_now else s.last_heartbeat end,
      last_error = case when c.ok then null else left(coalesce(c.error, 'failed without a message'), 2000) end,
      capabilities = case when c.ok then coalesce(c.tools, '[]'::jsonb) else s.capabilities end
  from jsonb_to_recordset(p_checks) as c(server_id uuid, ok boolean, tools jsonb, error text)
  where s.id = c.server_id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function scheduler.record_mcp_health(jsonb, timestamptz) is 'service_role (the ai-prompt action, on each use of a server): records status, last_heartbeat, last_error and capabilities of MCP servers.';

revoke execute on function scheduler.record_mcp_health(jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_mcp_health(jsonb, timestamptz) to service_role;
