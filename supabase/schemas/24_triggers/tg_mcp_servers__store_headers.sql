-- header values of an MCP server go to Vault as they are written: the row
-- keeps {"Name": {"secret_id": "<vault id>"}}. Definer, because signed-in
-- users may not touch Vault; the ids it writes are the only ones a row may
-- hold (a row cannot point at a secret it did not write: on update a
-- {"secret_id"} value is accepted only when it is the one the row had).
create or replace function scheduler_internal.tg_mcp_servers__store_headers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_header record;
  v_stored jsonb := '{}'::jsonb;
begin
  if (select count(*) from jsonb_object_keys(new.headers)) > 20 then
    raise exception 'headers: at most 20 headers' using errcode = '22023';
  end if;
  for v_header in select h.key, h.value from jsonb_each(new.headers) h loop
    if v_header.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' then
      raise exception 'headers: % is not a valid header name', v_header.key using errcode = '22023';
    end if;
    if jsonb_typeof(v_header.value) = 'string' then
      if length(v_header.value #>> '{}') > 8192 then
        raise exception 'headers.%: must be at most 8192 characters', v_header.key using errcode = '22023';
      end if;
      v_stored := v_stored || jsonb_build_object(v_header.key, jsonb_build_object('secret_id',
        vault.create_secret(v_header.value #>> '{}', null, 'scheduler.mcp_servers ' || new.id || ' header ' || v_header.key)));
    elsif tg_op = 'UPDATE' and v_header.value = old.headers -> v_header.key then
      v_stored := v_stored || jsonb_build_object(v_header.key, v_header.value);
    else
      raise exception 'headers.%: write the value as a string (it goes to Vault); {"secret_id": ...} only keeps the value this server already has',
        v_header.key using errcode = '22023';
    end if;
  end loop;
  new.headers := v_stored;
  return new;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__store_headers() is 'Moves MCP server header values to Vault, keeping only their secret ids in the row.';

revoke execute on function scheduler_internal.tg_mcp_servers__store_headers() from public, anon, authenticated;
