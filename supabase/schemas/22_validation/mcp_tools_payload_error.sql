-- the MCP part of an ai-prompt payload: which servers (scheduler.mcp_servers
-- names, resolved for the task's owner at run time), which of their tools the
-- model may call (the allow-list), which of those wait for a person first,
-- and how many calls a run may make. Mirrors AiPromptPayload's mcp fields in
-- shared/contract.ts.
create or replace function scheduler_internal.mcp_tools_payload_error(p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_errors text[];
  v_tool_name text := '^[A-Za-z0-9_-]{1,64}$';
begin
  v_errors := array[
    case when p_payload ? 'mcp_servers' and (jsonb_typeof(p_payload -> 'mcp_servers') <> 'array'
      or jsonb_array_length(p_payload -> 'mcp_servers') not between 1 and 10
      or exists (select 1 from jsonb_array_elements(p_payload -> 'mcp_servers') e
                 where jsonb_typeof(e) <> 'string' or length(e #>> '{}') not between 1 and 100))
      then 'mcp_servers: must be a list of 1 to 10 server names (scheduler.mcp_servers.name)' end,
    case when p_payload ? 'allowed_tools' and (jsonb_typeof(p_payload -> 'allowed_tools') <> 'array'
      or jsonb_array_length(p_payload -> 'allowed_tools') not between 1 and 100
      or exists (select 1 from jsonb_array_elements(p_payload -> 'allowed_tools') e
                 where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ v_tool_name))
      then 'allowed_tools: must be a list of 1 to 100 tool names (letters, digits, _ and -, at most 64)' end,
    case when p_payload ? 'approval_tools' and (jsonb_typeof(p_payload -> 'approval_tools') <> 'array'
      or jsonb_array_length(p_payload -> 'approval_tools') > 100
      or exists (select 1 from jsonb_array_elements(p_payload -> 'approval_tools') e
                 where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ v_tool_name))
      then 'approval_tools: must be a list of at most 100 tool names' end,
    scheduler_internal.int_range_error(p_payload, 'max_tool_calls', 1, 50),
    -- servers without an allow-list would hand the model every tool a
    -- server lists; an allow-list without servers names nothing
    case when (p_payload ? 'mcp_servers') <> (p_payload ? 'allowed_tools')
      then 'allowed_tools: mcp_servers and allowed_tools go together (name the servers, and the tools the model may call)' end,
    case when jsonb_typeof(p_payload -> 'approval_tools') = 'array' and exists (
        select 1 from jsonb_array_elements(p_payload -> 'approval_tools') a
        where jsonb_typeof(p_payload -> 'allowed_tools') is distinct from 'array' or not (p_payload -> 'allowed_tools') @> jsonb_build_array(a))
      then 'approval_tools: each must also be in allowed_tools' end
  ];
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.mcp_tools_payload_error(jsonb) is 'Null when an ai-prompt payload''s mcp_servers, allowed_tools, approval_tools and max_tool_calls are valid, else a readable message.';

revoke execute on function scheduler_internal.mcp_tools_payload_error(jsonb) from public, anon;

-- called inside the triggers signed-in users run (action_payload_error)
grant execute on function scheduler_internal.mcp_tools_payload_error(jsonb) to authenticated, service_role;
