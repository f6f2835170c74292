-- the Vault secrets of headers a server no longer has (replaced, removed, or
-- the server deleted) are deleted with it: nothing is left to leak.
create or replace function scheduler_internal.tg_mcp_servers__forget_headers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from vault.secrets s
  where s.id in (select (h.value ->> 'secret_id')::uuid from jsonb_each(old.headers) h where jsonb_typeof(h.value) = 'object')
    and (tg_op = 'DELETE' or s.id not in (
      select (h.value ->> 'secret_id')::uuid from jsonb_each(new.headers) h where jsonb_typeof(h.value) = 'object'));
  return null;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__forget_headers() is 'Deletes the Vault secrets of an MCP server''s replaced or removed headers, and all of them with the server.';

revoke execute on function scheduler_internal.tg_mcp_servers__forget_headers() from public, anon, authenticated;
