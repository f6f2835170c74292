-- an action function definitely refused the runs: back to the queue at once
create or replace function scheduler.release_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  update scheduler.task_runs r
  set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
  where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function scheduler.release_runs(uuid[], text, timestamptz) is
  'service_role (dispatcher): gives claimed runs back to the queue when their action function refused them; nothing was sent.';

revoke execute on function scheduler.release_runs(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.release_runs(uuid[], text, timestamptz) to service_role;
