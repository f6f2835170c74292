create or replace function scheduler_internal.action_payload_error(p_action text, p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_errors text[];
  v_channel text := p_payload ->> 'channel';
begin
  if p_payload is null or jsonb_typeof(p_payload) <> 'object' then
    return 'payload: must be a JSON object';
  end if;
  -- every claim carries the payload to its action: 256 KiB, an http body included
  if octet_length(p_payload::text) > 262144 then
    return scheduler_internal.json_size_error('payload', p_payload, 262144);
  end if;
  if p_action = 'http' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['url', 'method', 'headers', 'body', 'max_redirects', 'max_response_bytes']),
      scheduler_internal.http_url_error(p_payload, 'url', true),
      scheduler_internal.enum_error(p_payload, 'method', array['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], false),
      scheduler_internal.json_type_error(p_payload, 'headers', 'object'),
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(p_payload -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'headers: names must be valid header names and values strings' end,
      case when p_payload ? 'body' and jsonb_typeof(p_payload -> 'body') not in ('string', 'object', 'array')
        then 'body: must be a string, an object or an array' end,
      scheduler_internal.int_range_error(p_payload, 'max_redirects', 0, 10),
      scheduler_internal.int_range_error(p_payload, 'max_response_bytes', 0, 1048576)
    ];
  elsif p_action = 'ai-prompt' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['prompt', 'system', 'model', 'temperature', 'max_tokens', 'step_max_retries',
        'mcp_servers', 'allowed_tools', 'approval_tools', 'max_tool_calls']),
      scheduler_internal.string_length_error(p_payload, 'prompt', 1, 100000, false),
      scheduler_internal.string_length_error(p_payload, 'system', 0, 100000, false),
      scheduler_internal.string_length_error(p_payload, 'model', 1, 200, false),
      case when p_payload ? 'temperature' and (jsonb_typeof(p_payload -> 'temperature') <> 'number'
        or (p_payload ->> 'temperature')::numeric not between 0 and 2) then 'temperature: must be a number between 0 and 2' end,
      scheduler_internal.int_range_error(p_payload, 'max_tokens', 1, 200000),
      scheduler_internal.int_range_error(p_payload, 'step_max_retries', 0, 5),
      scheduler_internal.mcp_tools_payload_error(p_payload)
    ];
  elsif p_action = 'notify' then
    if v_channel is null or jsonb_typeof(p_payload -> 'channel') <> 'string' or v_channel not in ('web', 'email', 'webhook') then
      return 'channel: must be one of web, email, webhook';
    end if;
    v_errors := case v_channel
      when 'web' then array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'title', 'message', 'user_id', 'priority', 'type']),
        scheduler_internal.string_length_error(p_payload, 'title', 1, 255, true),
        scheduler_internal.string_length_error(p_payload, 'message', 0, 10000, false),
        case when p_payload ? 'user_id' and (jsonb_typeof(p_payload -> 'user_id') <> 'string'
          or (p_payload ->> 'user_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') then 'user_id: must be a UUID' end,
        scheduler_internal.enum_error(p_payload, 'priority', array['low', 'normal', 'high', 'urgent'], false),
        scheduler_internal.enum_error(p_payload, 'type', array['alert', 'approval', 'status', 'error', 'info'], false)
      ]
      when 'email' then array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'to', 'subject', 'message']),
        case when jsonb_typeof(p_payload -> 'to') is distinct from 'array' or jsonb_array_length(p_payload -> 'to') not between 1 and 50
          or exists (select 1 from jsonb_array_elements(p_payload -> 'to') e
                     where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ '^[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$')
          then 'to: must be a list of 1 to 50 email addresses' end,
        scheduler_internal.string_length_error(p_payload, 'subject', 1, 998, true),
        scheduler_internal.string_length_error(p_payload, 'message', 0, 100000, true)
      ]
      else array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'url', 'format', 'title', 'message']),
        scheduler_internal.http_url_error(p_payload, 'url', true),
        scheduler_internal.enum_error(p_payload, 'format', array['slack', 'discord', 'json'], false),
        scheduler_internal.string_length_error(p_payload, 'title', 0, 255, false),
        scheduler_internal.string_length_error(p_payload, 'message', 1, 10000, true)
      ]
    end;
  elsif p_action = 'sql' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['function', 'args', 'run_as', 'max_output_bytes']),
      case when not p_payload ? 'function' then 'function: is required'
        when jsonb_typeof(p_payload -> 'function') <> 'string'
          or (p_payload ->> 'function') !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$'
        then 'function: must be a schema-qualified function name, like public.close_day' end,
      scheduler_internal.json_type_error(p_payload, 'args', 'object'),
      scheduler_internal.enum_error(p_payload, 'run_as', array['owner', 'service_role'], false),
      scheduler_internal.int_range_error(p_payload, 'max_output_bytes', 0, 1048576)
    ];
  elsif p_action = 'edge-function' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['function', 'body', 'headers', 'max_response_bytes']),
      case when not p_payload ? 'function' then 'function: is required'
        when jsonb_typeof(p_payload -> 'function') <> 'string' or (p_payload ->> 'function') !~ '^[A-Za-z][A-Za-z0-9_-]{0,99}$'
        then 'function: must be an Edge Function name (letters, digits, - and _, starting with a letter)' end,
      scheduler_internal.json_type_error(p_payload, 'headers', 'object'),
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(p_payload -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'headers: names must be valid header names and values strings' end,
      -- the scheduler supplies the call's auth and signature: a key never goes in a payload
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_object_keys(p_payload -> 'headers') k
        where lower(k) in ('authorization', 'apikey', 'webhook-id', 'webhook-timestamp', 'webhook-signature') or lower(k) like 'x-scheduler-%'
      ) then 'headers: authorization, apikey, webhook-* and x-scheduler-* are set by the scheduler' end,
      case when p_payload ? 'body' and jsonb_typeof(p_payload -> 'body') not in ('string', 'object', 'array')
        then 'body: must be a string, an object or an array' end,
      scheduler_internal.int_range_error(p_payload, 'max_response_bytes', 0, 1048576)
    ];
  elsif p_action = 'watch' then
    return scheduler_internal.watch_payload_error(p_payload);
  else
    return 'unknown action_type ' || coalesce(p_action, 'null');
  end if;
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.action_payload_error(text, jsonb) is 'Null when the payload is valid for the action, else a readable message. Mirrors the zod schemas in shared/contract.ts.';

revoke execute on function scheduler_internal.action_payload_error(text, jsonb) from public, anon;

grant execute on function scheduler_internal.action_payload_error(text, jsonb) to authenticated, service_role;
