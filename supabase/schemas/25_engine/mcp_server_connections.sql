-- what an ai-prompt run needs to reach the MCP servers its payload names:
-- for each name, the task owner's own active server of that name, else an
-- active one an admin shared, with its header values read from Vault. One
-- row per name asked; error says why a name cannot be used.
create or replace function scheduler.mcp_server_connections(p_task_id uuid, p_names text[])
returns table (name text, server_id uuid, url text, headers jsonb, error text)
language sql stable
set search_path = ''
as $$
  select n.name, s.id, s.url,
    case when s.id is not null then coalesce((
      select jsonb_object_agg(h.key, d.decrypted_secret)
      from jsonb_each(s.headers) h
      join vault.decrypted_secrets d on d.id = (h.value ->> 'secret_id')::uuid
    ), '{}'::jsonb) end,
    case when t.id is null then 'the task does not exist'
      when s.id is null then 'no MCP server named "' || n.name || '" that the task''s owner may use (their own, or one an admin shared) is active'
    end
  from unnest(p_names) with ordinality as n(name, ord)
  left join scheduler.tasks t on t.id = p_task_id
  left join lateral (
    select s.* from scheduler.mcp_servers s
    where s.name = n.name and s.is_active and (s.created_by = t.owner_id or s.is_shared)
    -- the owner's own first
    order by (s.created_by = t.owner_id) desc, s.created_at
    limit 1
  ) s on true
  order by n.ord
$$;

comment on function scheduler.mcp_server_connections(uuid, text[]) is 'service_role (the ai-prompt action): the url and Vault-held headers of each MCP server a task names, as its owner may use them (own first, then shared by an admin).';

revoke execute on function scheduler.mcp_server_connections(uuid, text[]) from public, anon, authenticated;

grant execute on function scheduler.mcp_server_connections(uuid, text[]) to service_role;
