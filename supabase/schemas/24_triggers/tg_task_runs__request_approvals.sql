create or replace function scheduler_internal.tg_task_runs__request_approvals() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- most statements hold nothing back: answer them without joining anything
  if not exists (select 1 from new_runs where status = 'awaiting_approval' and triggered_by <> 'schedule') then
    return null;
  end if;
  with held as (
    select r.run_id, r.scheduled_time, r.triggered_by, t.id as task_id, t.name, t.owner_id, t.action_type, t.approval_ttl
    from (
      select n.id as run_id, n.task_id, n.scheduled_time, n.triggered_by
      from new_runs n
      where n.status = 'awaiting_approval' and n.triggered_by <> 'schedule'
    ) r
    cross join lateral (
      select t.id, t.name, t.owner_id, t.action_type, t.approval_ttl from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
  ),
  requested as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select h.task_id, h.run_id, h.action_type,
      jsonb_build_object('scheduled_time', h.scheduled_time, 'task_name', h.name, 'triggered_by', h.triggered_by),
      'system', h.scheduled_time + h.approval_ttl
    from held h
    returning id, task_id, run_id
  )
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  select h.owner_id, 'Approval needed: ' || h.name,
    'A run of "' || h.name || '" (' || h.triggered_by || ') is waiting for your approval.', 'approval', 'high', 'web',
    a.task_id, a.run_id, jsonb_build_object('approval_id', a.id)
  from requested a join held h on h.run_id = a.run_id;
  return null;
end;
$$;

comment on function scheduler_internal.tg_task_runs__request_approvals() is 'Creates the approval and the owner''s notification for held event and dependency runs (scheduled runs get theirs from claim_due_runs).';

revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;

revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;
