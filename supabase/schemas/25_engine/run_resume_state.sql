-- what a run paused before a tool call (or a step) resumes from: the latest
-- such approval of the run (with its decision), the run's output stored at the
-- pause, and the steps whose stored state is this run's. Null when the run
-- never paused.
create or replace function scheduler.run_resume_state(p_run_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'approval', jsonb_build_object('id', a.id, 'status', a.status, 'action_type', a.action_type, 'details', a.details, 'notes', a.notes),
    'output', r.output,
    'steps', coalesce((
      select jsonb_agg(jsonb_build_object('id', s.id, 'status', s.status, 'result', s.execution_result,
        'started_at', s.execution_started_at, 'ended_at', s.execution_completed_at, 'retry_count', s.retry_count) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id and s.run_id = r.id), '[]'::jsonb))
  from scheduler.task_runs r
  cross join lateral (
    select a.* from scheduler.approvals a
    where a.run_id = r.id and a.details ->> 'kind' in ('tool_call', 'step')
    order by a.created_at desc, a.id desc
    limit 1
  ) a
  where r.id = p_run_id
$$;

comment on function scheduler.run_resume_state(uuid) is 'service_role (the ai-prompt action): the latest tool-call approval of a run, its stored output and its steps'' stored state; null when it never paused.';

revoke execute on function scheduler.run_resume_state(uuid) from public, anon, authenticated;

grant execute on function scheduler.run_resume_state(uuid) to service_role;
