-- links only to rows the writer may see. foreign keys check existence, not
-- visibility: without these, a user could file a task or an event under
-- someone else's project, or hang a step, approval or artifact on a run of a
-- task they cannot see (the same rule the issue sets for dependencies).
--
-- project links are an authorisation rule (service work may link anything);
-- a run link is an integrity rule (a step's, approval's, artifact's,
-- notification's or log entry's run is a run of its own task) and binds the
-- engine too.

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

-- only when project_id is written: the engine's bookkeeping skips it
create trigger _030_check_project before insert or update of project_id on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_project();

-- events are append-only, so the insert policy is the only place to check
drop policy "Events can be recorded by their owner" on scheduler.events;
create policy "Events can be recorded by their owner" on scheduler.events
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (task_id is null or scheduler_internal.can_view_task(task_id))
    and (project_id is null or scheduler_internal.owns_project(project_id))
  );

create or replace function scheduler_internal.tg__check_run_link() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- security invoker on purpose: the writer already passed the task's policy,
  -- and a run of that task is visible to whoever may see the task
  if new.run_id is not null and new.task_id is not null and not exists (
    select 1 from scheduler.task_runs r where r.id = new.run_id and r.task_id = new.task_id
  ) then
    raise exception 'run_id % is not a run of task %', new.run_id, new.task_id
      using errcode = '23514',
            hint = 'point run_id at a run of the same task, or leave it null';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg__check_run_link() is 'Integrity: a row''s run_id names a run of the row''s own task_id.';

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.task_steps
for each row execute function scheduler_internal.tg__check_run_link();
create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.approvals
for each row execute function scheduler_internal.tg__check_run_link();
create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__check_run_link();
create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.notifications
for each row execute function scheduler_internal.tg__check_run_link();
create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.system_logs
for each row execute function scheduler_internal.tg__check_run_link();
