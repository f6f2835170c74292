create or replace function scheduler_internal.tg_tasks__check_project() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.project_id is not null
     and (tg_op = 'INSERT' or new.project_id is distinct from old.project_id)
     and not scheduler_internal.acting_as_system()
     and not scheduler_internal.owns_project(new.project_id) then
    raise exception 'project_id must be a project you own'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_project() is 'A user files a task only under a project they own (admins and service work: any project). An editor may still edit a shared task in its owner''s project.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__check_project() from public, anon, authenticated;
