-- the watch action's payload (WatchPayload in shared/contract.ts): where to
-- poll (source), how items are picked out of the answer and keyed, and the
-- bounds of a poll and of the seen-set. The source is an object with a type:
-- http (a GET through the http action's guard) or sql (a database function,
-- with the sql action's fields and rules: function, args, run_as); the rest
-- of the payload is the same for both. Whether a sql source's function
-- exists, takes these args and is executable by the role it runs as is
-- checked when the task is written (tg_tasks__check_action_target).
create or replace function scheduler_internal.watch_payload_error(p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  -- RFC 6901 (every ~ escapes / or ~), or a dotted path of non-empty names
  v_pointer constant text := '^(/([^~/]|~[01])*)*$';
  v_path constant text := '^[^./][^.]*(\.[^.]+)*$';
  v_source jsonb := p_payload -> 'source';
  v_mode text := coalesce(p_payload ->> 'mode', 'items');
  v_errors text[];
  v_field text;
begin
  if v_source is null then
    return 'source: is required (an object: {"type": "http", "url": ...})';
  end if;
  if jsonb_typeof(v_source) <> 'object' then
    return 'source: must be an object';
  end if;
  if jsonb_typeof(v_source -> 'type') is distinct from 'string' or v_source ->> 'type' <> all (array['http', 'sql']) then
    return 'source.type: must be one of http, sql';
  end if;
  v_errors := case v_source ->> 'type'
    when 'http' then array[
      'source.' || scheduler_internal.unknown_keys_error(v_source, array['type', 'url', 'headers', 'max_redirects', 'max_response_bytes']),
      'source.' || scheduler_internal.http_url_error(v_source, 'url', true),
      'source.' || scheduler_internal.json_type_error(v_source, 'headers', 'object'),
      case when jsonb_typeof(v_source -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(v_source -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'source.headers: names must be valid header names and values strings' end,
      'source.' || scheduler_internal.int_range_error(v_source, 'max_redirects', 0, 10)]
    -- the sql action's fields, as action_payload_error checks them there
    else array[
      'source.' || scheduler_internal.unknown_keys_error(v_source, array['type', 'function', 'args', 'run_as', 'max_response_bytes']),
      case when not v_source ? 'function' then 'source.function: is required'
        when jsonb_typeof(v_source -> 'function') <> 'string'
          or (v_source ->> 'function') !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$'
        then 'source.function: must be a schema-qualified function name, like public.new_orders' end,
      'source.' || scheduler_internal.json_type_error(v_source, 'args', 'object'),
      'source.' || scheduler_internal.enum_error(v_source, 'run_as', array['owner', 'service_role'], false)]
  end || array[
    scheduler_internal.unknown_keys_error(p_payload, array['source', 'mode', 'items', 'key', 'cursor', 'max_events_per_poll',
      'seed_first_poll', 'pause_after_errors', 'seen_limit', 'seen_max_age_days']),
    -- http: the answer's bytes; sql: the bytes of the result's JSON
    'source.' || scheduler_internal.int_range_error(v_source, 'max_response_bytes', 1, 1048576),
    scheduler_internal.enum_error(p_payload, 'mode', array['items', 'hash'], false),
    case when jsonb_typeof(p_payload -> 'seed_first_poll') is distinct from 'boolean' and p_payload ? 'seed_first_poll'
      then 'seed_first_poll: must be a boolean' end,
    scheduler_internal.int_range_error(p_payload, 'max_events_per_poll', 1, 1000),
    scheduler_internal.int_range_error(p_payload, 'pause_after_errors', 1, 100),
    scheduler_internal.int_range_error(p_payload, 'seen_limit', 1, 100000),
    scheduler_internal.int_range_error(p_payload, 'seen_max_age_days', 1, 3650)
  ];
  foreach v_field in array array['items', 'key', 'cursor'] loop
    if p_payload ? v_field then
      if jsonb_typeof(p_payload -> v_field) <> 'string' or length(p_payload ->> v_field) > 1024
         or not ((p_payload ->> v_field) = '' or (p_payload ->> v_field) ~ v_pointer or (p_payload ->> v_field) ~ v_path) then
        v_errors := v_errors || (v_field || ': must be a JSON pointer (/data/items) or a dotted path (data.items)');
      elsif v_mode = 'hash' and v_field <> 'items' then
        v_errors := v_errors || (v_field || ': only for mode items (mode hash compares the hash of the whole answer)');
      end if;
    end if;
  end loop;
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.watch_payload_error(jsonb) is 'Null when a watch task''s action_payload is valid, else a readable message naming the fields. Mirrors WatchPayload in shared/contract.ts; called by action_payload_error.';

revoke execute on function scheduler_internal.watch_payload_error(jsonb) from public, anon;

-- called inside the triggers signed-in users' writes run
grant execute on function scheduler_internal.watch_payload_error(jsonb) to authenticated, service_role;
