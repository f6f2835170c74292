-- the edge-function action, for the runs the start gate started: each run's
-- function (still one its owner may call: the allow-list is read now, so a
-- name an admin removed stops being called) and its owner's function_secret,
-- which signs the call.
create or replace function scheduler.edge_function_prepare(p_run_ids uuid[], p_worker text)
returns table (run_id uuid, owner_id uuid, function_name text, signing_secret text, error text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  insert into scheduler_internal.signing_secrets (user_id)
  select distinct t.owner_id
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = any (p_run_ids)
  on conflict (user_id) do nothing;

  return query
  select a.id, t.owner_id, t.action_payload ->> 'function', s.function_secret,
    case
      when r.id is null or r.status <> 'running' or r.locked_by is distinct from p_worker then 'not a run ' || coalesce(p_worker, '?') || ' started'
      when t.action_type <> 'edge-function' then 'the task''s action is ' || t.action_type || ', not edge-function'
      else scheduler_internal.edge_function_error(t.action_payload ->> 'function', t.owner_id, null)
    end
  from unnest(p_run_ids) as a(id)
  left join scheduler.task_runs r on r.id = a.id
  left join scheduler.tasks t on t.id = r.task_id
  left join scheduler_internal.signing_secrets s on s.user_id = t.owner_id;
end;
$$;

comment on function scheduler.edge_function_prepare(uuid[], text) is
  'service_role (the edge-function action): per run p_worker started, the function to call, whether its owner may still call it (error, naming edge_function_allowlist), and the owner''s function_secret that signs the call.';

revoke execute on function scheduler.edge_function_prepare(uuid[], text) from public, anon, authenticated;

grant execute on function scheduler.edge_function_prepare(uuid[], text) to service_role;
