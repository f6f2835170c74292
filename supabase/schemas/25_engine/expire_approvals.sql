create or replace function scheduler.expire_approvals(p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  with expired as (
    update scheduler.approvals a set status = 'expired'
    where a.status = 'pending' and a.expires_at < p_now
    returning a.id, a.task_id, a.run_id
  ),
  closed as (
    update scheduler.task_runs r
    set status = 'cancelled', end_time = p_now, error_message = 'approval expired'
    from expired e where r.id = e.run_id and r.status = 'awaiting_approval'
    returning r.id
  ),
  notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select t.owner_id, 'Approval expired: ' || t.name, 'Nobody decided in time; the run was cancelled.', 'approval', 'normal', 'web',
      t.id, e.run_id, jsonb_build_object('approval_id', e.id)
    from expired e join scheduler.tasks t on t.id = e.task_id
    returning id
  )
  select count(*) into v_count from expired;
  return v_count;
end;
$$;

comment on function scheduler.expire_approvals(timestamptz) is 'service_role / pg_cron: expires pending approvals past expires_at, cancels their runs and notifies owners.';

revoke execute on function scheduler.expire_approvals(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.expire_approvals(timestamptz) to service_role;
