-- what a payload names must exist and be the writer's to use, checked when
-- the task is written (the shape was checked by _011_validate_payload):
-- a sql task's function exists in an allowed schema, takes the arguments
-- given, and is executable by the role the task runs as; an edge-function
-- task's function is one its writer and owner may call. A watcher whose
-- source is sql gets the sql task's checks on its source, with the fields
-- named source.function, source.args.
create or replace function scheduler_internal.tg_tasks__check_action_target() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_error text;
  v_code text;
begin
  if tg_op = 'UPDATE' and new.action_type is not distinct from old.action_type
     and new.action_payload is not distinct from old.action_payload and new.owner_id is not distinct from old.owner_id then
    return new;
  end if;
  if new.action_type = 'sql' then
    select c.error, c.error_code into v_error, v_code
    from scheduler_internal.sql_call(new.action_payload,
      case when new.action_payload ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end) c;
  elsif new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql' then
    select regexp_replace(c.error, '(^|; )(function|args)([:.])', '\1source.\2\3', 'g'), c.error_code into v_error, v_code
    from scheduler_internal.sql_call(new.action_payload -> 'source',
      case when new.action_payload -> 'source' ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end) c;
  elsif new.action_type = 'edge-function' then
    v_error := scheduler_internal.edge_function_error(new.action_payload ->> 'function', new.owner_id,
      case when scheduler_internal.acting_as_system() then null else (select auth.uid()) end);
    v_code := '42501';
  end if;
  if v_error is not null then
    raise exception 'invalid action_payload for %: %', new.action_type, v_error
      using errcode = v_code, hint = 'see README, "Actions"';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_action_target() is 'Refuses a sql task (or a watcher with source.type sql) whose function is unknown, not executable by the role it runs as, or given arguments its signature does not take; and an edge-function task naming a function its writer or owner may not call.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__check_action_target() from public, anon, authenticated;
