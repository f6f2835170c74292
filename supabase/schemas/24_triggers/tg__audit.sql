-- tg_argv[0]: the column that identifies the entity
create or replace function scheduler_internal.tg__audit() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then pg_catalog.to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then pg_catalog.to_jsonb(new) end;
  v_key text;
  v_old_changed jsonb := '{}'::jsonb;
  v_new_changed jsonb := '{}'::jsonb;
  v_uid uuid := (select auth.uid());
  v_headers jsonb := nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb;
begin
  if tg_op = 'UPDATE' then
    for v_key in select jsonb_object_keys(v_new) loop
      if v_key not in ('updated_at', 'search', 'next_run_at', 'last_run_at') and v_new -> v_key is distinct from v_old -> v_key then
        v_old_changed := v_old_changed || pg_catalog.jsonb_build_object(v_key, v_old -> v_key);
        v_new_changed := v_new_changed || pg_catalog.jsonb_build_object(v_key, v_new -> v_key);
      end if;
    end loop;
    if v_new_changed = '{}'::jsonb then
      return null;
    end if;
  elsif tg_op = 'INSERT' then
    v_new_changed := v_new - 'search';
    v_old_changed := null;
  else
    v_old_changed := v_old - 'search';
    v_new_changed := null;
  end if;

  insert into scheduler.audit_trail (user_id, actor, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent)
  values (
    v_uid,
    coalesce(v_uid::text, 'system'),
    pg_catalog.lower(tg_op),
    tg_table_name,
    (coalesce(v_new, v_old) ->> tg_argv[0])::uuid,
    v_old_changed,
    v_new_changed,
    nullif(pg_catalog.split_part(coalesce(v_headers ->> 'x-forwarded-for', ''), ',', 1), '')::inet,
    v_headers ->> 'user-agent'
  );
  return null;
end;
$$;

comment on function scheduler_internal.tg__audit() is 'Records inserts, updates (changed columns only) and deletes in audit_trail.';

revoke execute on function scheduler_internal.tg__audit() from public, anon, authenticated;
