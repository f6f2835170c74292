-- the sql action, for one run the start gate started: the statement that
-- calls the task's function and the identity it runs with. The action runs
-- it in a transaction of its own, after set_config of role, request.jwt.claims,
-- search_path and statement_timeout (as PostgREST does for rpc()), and records
-- the run completed in that same transaction (complete_runs), so a run is
-- completed exactly when its call committed (docs/dispatch.md, "The sql
-- action"). state: ready, not_running (not this worker's started run: run
-- nothing) or refused (the run fails with error, final).
--
-- A watcher whose source is sql (a watch task, source.type sql) polls through
-- this same path: its source holds the sql action's fields (function, args,
-- run_as), so the call, the role, the claims and the timeout are found by
-- the same rules; max_output_bytes is then the source's max_response_bytes
-- (a result over it is a failed poll, not a cut output).
create or replace function scheduler.sql_action_prepare(p_run_id uuid, p_worker text)
returns table (
  state text,
  error text,
  call text,
  args jsonb,
  run_as text,
  claims jsonb,
  search_path text,
  timeout_ms integer,
  max_output_bytes integer,
  function_signature text
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_run record;
  v_call record;
  v_user record;
  v_role text;
  v_payload jsonb;
  v_now bigint := extract(epoch from now())::bigint;
begin
  select r.status, r.locked_by, t.action_type, t.action_payload, t.owner_id, t.timeout_seconds
  into v_run
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id;
  if not found or v_run.status <> 'running' or v_run.locked_by is distinct from p_worker then
    return query select 'not_running'::text, 'not a run ' || coalesce(p_worker, '?') || ' started', null::text, null::jsonb, null::text,
      null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  v_payload := case
    when v_run.action_type = 'sql' then v_run.action_payload
    when v_run.action_type = 'watch' and v_run.action_payload -> 'source' ->> 'type' = 'sql' then v_run.action_payload -> 'source'
  end;
  if v_payload is null then
    return query select 'refused'::text, 'the task''s action is ' || v_run.action_type || ', not sql (nor a watcher with source.type sql)',
      null::text, null::jsonb, null::text, null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  v_role := case when v_payload ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end;
  select * into v_call from scheduler_internal.sql_call(v_payload, null);
  if v_call.error is not null then
    return query select 'refused'::text, v_call.error, null::text, null::jsonb, v_role, null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  -- read for service_role runs too: the claims below name v_user's fields,
  -- and a record never assigned in the session cannot even be planned
  select u.id, u.email, u.phone, u.raw_app_meta_data, u.raw_user_meta_data, u.is_anonymous, u.banned_until, u.deleted_at
  into v_user from auth.users u where u.id = v_run.owner_id;
  if v_role = 'authenticated' then
    -- a task never does more than its owner could: a user who cannot sign in cannot call it
    if v_user.id is null or v_user.deleted_at is not null then
      return query select 'refused'::text, 'the task''s owner no longer exists', null::text, null::jsonb, v_role, null::jsonb, null::text,
        null::integer, null::integer, null::text;
      return;
    end if;
    if v_user.banned_until > now() then
      return query select 'refused'::text, 'the task''s owner is banned until ' || v_user.banned_until || ', so their tasks call nothing',
        null::text, null::jsonb, v_role, null::jsonb, null::text, null::integer, null::integer, null::text;
      return;
    end if;
  end if;
  return query select
    'ready'::text,
    null::text,
    v_call.call,
    coalesce(v_payload -> 'args', '{}'::jsonb),
    v_role,
    case when v_role = 'service_role' then jsonb_build_object('role', 'service_role', 'iss', 'supabase-task-scheduler', 'iat', v_now)
    else jsonb_build_object(
      'sub', v_user.id, 'role', 'authenticated', 'aud', 'authenticated',
      'email', coalesce(v_user.email, ''), 'phone', coalesce(v_user.phone, ''),
      'app_metadata', coalesce(v_user.raw_app_meta_data, '{}'::jsonb),
      'user_metadata', coalesce(v_user.raw_user_meta_data, '{}'::jsonb),
      'is_anonymous', coalesce(v_user.is_anonymous, false),
      'iss', 'supabase-task-scheduler', 'iat', v_now, 'exp', v_now + v_run.timeout_seconds + 60,
      -- the scheduler asserts no second factor: policies that ask for aal2 refuse it
      'aal', 'aal1', 'amr', jsonb_build_array(jsonb_build_object('method', 'scheduler', 'timestamp', v_now)))
    end,
    v_call.search_path,
    v_run.timeout_seconds * 1000,
    case when v_run.action_type = 'watch' then coalesce((v_payload ->> 'max_response_bytes')::integer, 1048576)
      else coalesce((v_payload ->> 'max_output_bytes')::integer, 65536) end,
    v_call.signature;
end;
$$;

comment on function scheduler.sql_action_prepare(uuid, text) is
  'service_role (the sql action, and the watch action for a source of type sql): for a run p_worker started, the statement calling the task''s function (found like rpc() finds it), its arguments, the role and request.jwt.claims it runs with (the owner''s, or service_role when an admin set run_as), search_path, statement timeout and output cap. state not_running: run nothing; refused: fail the run with error.';

revoke execute on function scheduler.sql_action_prepare(uuid, text) from public, anon, authenticated;

grant execute on function scheduler.sql_action_prepare(uuid, text) to service_role;
