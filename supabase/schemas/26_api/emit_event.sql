-- A trigger function for the app's own tables, the way Supabase Database
-- Webhooks attach supabase_functions.http_request:
--   create trigger order_created after insert on public.orders
--   for each row execute function scheduler.emit_event('order_created', 'user_id');
-- Each row change becomes an event of the row's owner (the uuid in the named
-- column, user_id by default; the new row's, the old row's for a delete)
-- with the Database Webhooks payload {type, table, schema, record,
-- old_record}, so the owner's subscribed tasks start at once.
--
-- Why security definer: whoever writes the row (its owner, a service, an
-- admin, another user the app's RLS lets write it) may not insert events
-- for the owner under the events policies, and the event must be the
-- owner's all the same. It does one thing with that: one insert into
-- events, owned by the row's user, and nothing else (no argument can name
-- another owner: the owner is read from the row). Nobody but the owner of
-- this function holds EXECUTE, and CREATE TRIGGER requires it, so only the
-- project's owner role attaches it; users cannot hang it on a table of
-- their own (a temporary one, say) to forge events for someone else.
create or replace function scheduler.emit_event() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_type text := tg_argv[0];
  v_column text := coalesce(tg_argv[1], 'user_id');
  v_row jsonb;
  v_owner text;
  v_user uuid;
begin
  if tg_level <> 'ROW' or tg_when <> 'AFTER' then
    raise exception 'scheduler.emit_event() on %.% must be an AFTER ... FOR EACH ROW trigger', tg_table_schema, tg_table_name
      using errcode = '22023';
  end if;
  if tg_nargs not between 1 and 2 or length(v_type) not between 1 and 200 then
    raise exception 'scheduler.emit_event(event_type, owner_column) on %.%: event_type is 1 to 200 characters, owner_column names the uuid column of the row''s owner (default user_id)',
      tg_table_schema, tg_table_name using errcode = '22023';
  end if;
  v_row := case when tg_op = 'DELETE' then pg_catalog.to_jsonb(old) else pg_catalog.to_jsonb(new) end;
  if not v_row ? v_column then
    raise exception 'scheduler.emit_event on %.%: the table has no column "%" to take the event''s owner from', tg_table_schema, tg_table_name, v_column
      using errcode = '42703';
  end if;
  v_owner := v_row ->> v_column;
  if v_owner is null then
    return null;  -- nobody's row: nobody's event
  end if;
  if jsonb_typeof(v_row -> v_column) <> 'string'
     or v_owner !~* '^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$' then
    raise exception 'scheduler.emit_event on %.%: column "%" must hold the owner''s user id (a uuid), got %', tg_table_schema, tg_table_name, v_column, v_row -> v_column
      using errcode = '22023';
  end if;
  v_user := v_owner::uuid;
  -- a row of someone who is not a user of this project starts nothing, and
  -- must not make the app's write fail
  if not exists (select 1 from auth.users u where u.id = v_user) then
    return null;
  end if;
  insert into scheduler.events (event_type, payload, user_id)
  values (v_type, pg_catalog.jsonb_build_object(
      'type', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
      'record', case when tg_op = 'DELETE' then null else pg_catalog.to_jsonb(new) end,
      'old_record', case when tg_op = 'INSERT' then null else pg_catalog.to_jsonb(old) end),
    v_user);
  return null;
end;
$$;

comment on function scheduler.emit_event() is
  'Trigger function for your tables: after insert/update/delete ... for each row execute function scheduler.emit_event(''event_type'', ''owner_column''). Records an event {type, table, schema, record, old_record} for the row''s owner (the uuid in owner_column, default user_id), which starts their subscribed tasks at once. Only the function''s owner may attach it.';

-- CREATE TRIGGER requires EXECUTE: only the owner role (postgres) attaches it
revoke execute on function scheduler.emit_event() from public, anon, authenticated, service_role;
