-- the run a new skip folds into: the task's latest finished run, when it is
-- a skip with the same reason (a run of skips in a row is one row)
create or replace function scheduler_internal.skip_fold_target(p_task_id uuid, p_message text)
returns uuid
language sql stable
set search_path = ''
as $$
  select p.id from (
    select r.id, r.status, r.error_message from scheduler.task_runs r
    where r.task_id = p_task_id and r.status not in ('queued', 'awaiting_approval', 'claimed')
    order by r.scheduled_time desc, r.id desc
    limit 1
  ) p
  where p.status = 'skipped' and p.error_message = p_message
$$;

comment on function scheduler_internal.skip_fold_target(uuid, text) is 'The task''s latest finished run when it is a skip with this message (the claim counts a further such skip on it), else null.';

revoke execute on function scheduler_internal.skip_fold_target(uuid, text) from public, anon, authenticated;

grant execute on function scheduler_internal.skip_fold_target(uuid, text) to service_role;
