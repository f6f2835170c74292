-- an ai-prompt task asks its prompt, or its steps in order. Steps reference
-- their task, so they can only be added after it: the check waits for the
-- end of the transaction, and an inactive task may wait for its steps for
-- as long as it likes (activating it checks again).
create or replace function scheduler_internal.tg_tasks__check_something_to_ask() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_task scheduler.tasks;
begin
  if tg_table_name = 'tasks' then
    v_task_id := new.id;
  else
    v_task_id := old.task_id;
  end if;
  select * into v_task from scheduler.tasks t where t.id = v_task_id;
  if v_task.id is null or v_task.action_type <> 'ai-prompt' or not v_task.is_active or v_task.deleted_at is not null
     or coalesce(v_task.action_payload ->> 'prompt', '') <> ''
     or exists (select 1 from scheduler.task_steps s where s.task_id = v_task_id) then
    return null;
  end if;
  raise exception 'ai-prompt task "%" has nothing to ask: set action_payload.prompt, or add its task_steps in the same transaction (or create it with is_active = false and activate it once its steps are in)', v_task.name
    using errcode = '22023';
end;
$$;

comment on function scheduler_internal.tg_tasks__check_something_to_ask() is 'At commit: an active ai-prompt task has a prompt or at least one step (on tasks, and on task_steps when a step leaves its task).';

revoke execute on function scheduler_internal.tg_tasks__check_something_to_ask() from public, anon, authenticated;
