-- an ai-prompt run whose model wants a tool that needs a person's approval
-- (or that reached a step that does: p_details.kind 'step') stops here:
-- nothing waits in a function. In one statement the run leaves
-- its worker for awaiting_approval (its lease cleared, so no reaper takes
-- it), the steps' state so far is stored on task_steps (the finished ones'
-- results, and the paused step's conversation in its execution_result),
-- what the run did so far in its output, and an approval (action_type the
-- tool, details the arguments the model chose) is requested, expiring
-- after the task's approval_ttl, with a notification to the owner.
-- decide_approval queues the run again, and the action resumes from that
-- state (run_resume_state).
create or replace function scheduler.pause_run_for_approval(
  p_run_id uuid, p_worker text, p_tool text, p_details jsonb, p_steps jsonb, p_output jsonb, p_now timestamptz default now()
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_run scheduler.task_runs;
  v_task scheduler.tasks;
  v_approval_id uuid;
begin
  if p_tool is null or p_details is null or jsonb_typeof(p_details) <> 'object' then
    raise exception 'pause_run_for_approval: p_tool and p_details (an object) are required' using errcode = '22023';
  end if;
  if p_steps is not null and jsonb_typeof(p_steps) <> 'array' then
    raise exception 'pause_run_for_approval: p_steps must be a JSON array of step results' using errcode = '22023';
  end if;
  update scheduler.task_runs r
  set status = 'awaiting_approval', output = p_output, locked_by = null, locked_at = null, lease_expires_at = null,
      wait_reason = left('waiting for approval: the model wants to call ' || p_tool, 500)
  where r.id = p_run_id and r.locked_by = p_worker and r.status = 'running'
  returning r.* into v_run;
  if v_run.id is null then
    -- no longer this worker's (cancelled, or taken back): nothing to hold
    return null;
  end if;
  select * into v_task from scheduler.tasks t where t.id = v_run.task_id;
  update scheduler.task_steps s
  set status = coalesce(st.status, s.status),
      execution_result = coalesce(st.result, '{}'::jsonb),
      execution_started_at = st.started_at,
      execution_completed_at = st.ended_at,
      error_message = st.error_message,
      retry_count = coalesce(st.retry_count, 0),
      run_id = v_run.id
  from jsonb_to_recordset(coalesce(p_steps, '[]'::jsonb)) as st(
    id uuid, status text, result jsonb, started_at timestamptz, ended_at timestamptz, error_message text, retry_count integer)
  where s.id = st.id and s.task_id = v_run.task_id;
  -- created at p_now, the clock the resume orders a run's approvals by
  insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at, created_at)
  values (v_run.task_id, v_run.id, p_tool, jsonb_build_object('kind', 'tool_call') || p_details, 'system', p_now + v_task.approval_ttl, p_now)
  returning id into v_approval_id;
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  values (v_task.owner_id, 'Approval needed: ' || v_task.name,
    left('The model in a run of "' || v_task.name || '" wants to call ' || p_tool || ' with ' || coalesce(p_details ->> 'arguments', '{}')
      || '. Approve or reject it to let the run go on.', 10000),
    'approval', 'high', 'web', v_task.id, v_run.id, jsonb_build_object('approval_id', v_approval_id, 'tool', p_tool));
  return v_approval_id;
end;
$$;

comment on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) is 'service_role (the ai-prompt action): holds a running run of p_worker in awaiting_approval before a tool call that needs approval, storing its steps'' state, and requests the approval. Null when the run is no longer the worker''s.';

revoke execute on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) to service_role;
