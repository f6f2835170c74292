-- which Edge Function an edge-function task may call. Never one of the
-- scheduler's own; for a non-admin, only what the edge_function_allowlist
-- setting lists: a call carries the scheduler's signature for the owner, so
-- the functions that act on it are an admin's choice. p_writer is who writes
-- the task (null: service work); the owner is whom every run is for.
create or replace function scheduler_internal.edge_function_error(p_name text, p_owner uuid, p_writer uuid default null)
returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_list jsonb := coalesce(scheduler_internal.setting('edge_function_allowlist'), '[]'::jsonb);
  v_listed boolean;
  v_admin boolean;
begin
  if p_name in ('dispatcher', 'http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'inbound-events') then
    return format('function: %s is one of the scheduler''s own functions, which a task cannot call', p_name);
  end if;
  v_listed := jsonb_typeof(v_list) = 'array' and v_list ? p_name;
  if v_listed then
    return null;
  end if;
  if p_writer is not null then
    select exists (select 1 from scheduler.profiles where id = p_writer and role = 'admin' and status = 'active') into v_admin;
    if not v_admin then
      return format('function: %s is not in the edge_function_allowlist setting (%s); only an admin may name another function',
        p_name, coalesce(nullif((select string_agg(e #>> '{}', ', ') from jsonb_array_elements(v_list) e where jsonb_typeof(v_list) = 'array'), ''), 'it is empty'));
    end if;
  end if;
  select exists (select 1 from scheduler.profiles where id = p_owner and role = 'admin' and status = 'active') into v_admin;
  if not v_admin then
    return format('function: %s is not in the edge_function_allowlist setting, and the task''s owner is not an admin', p_name);
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.edge_function_error(text, uuid, uuid) is
  'Null when an edge-function task of p_owner, written by p_writer (null: service work), may call the function p_name: never the scheduler''s own; for a non-admin writer or owner, only a name in the edge_function_allowlist setting. Else the reason, naming the setting.';

revoke execute on function scheduler_internal.edge_function_error(text, uuid, uuid) from public, anon, authenticated;

grant execute on function scheduler_internal.edge_function_error(text, uuid, uuid) to authenticated, service_role;
