-- a sql task runs as its owner (role authenticated, the owner's claims);
-- only an admin may make one run as service_role, or change one that does
-- (its function, arguments and owner are what service_role will run). The
-- audit trail records who did (tasks' _900/_901_audit). A watcher whose
-- source is sql (source.run_as) is held to the same rule.
create or replace function scheduler_internal.tg_tasks__guard_run_as() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if ((new.action_type = 'sql' and new.action_payload ->> 'run_as' = 'service_role')
      or (new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql'
          and new.action_payload -> 'source' ->> 'run_as' = 'service_role'))
     and (tg_op = 'INSERT'
          or old.action_type is distinct from new.action_type
          or old.action_payload is distinct from new.action_payload
          or old.owner_id is distinct from new.owner_id)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception '%: only an admin may make a task run as service_role, or change one that does',
        case when new.action_type = 'watch' then 'source.run_as' else 'run_as' end
      using errcode = '42501',
            hint = 'leave run_as out (or set it to owner): the task then runs as its owner, under RLS';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__guard_run_as() is 'Only admins (or service work) set run_as service_role on a sql task (source.run_as on a watcher with source.type sql), or change a task that has it.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__guard_run_as() from public, anon, authenticated;
