create or replace function scheduler.prune_history(p_now timestamptz default now(), p_max_batches integer default 1000)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_state jsonb := jsonb_build_object('now', p_now, 'max_batches', p_max_batches);
begin
  loop
    v_state := scheduler_internal.prune_step(v_state);
    exit when (v_state ->> 'done')::boolean;
  end loop;
  return v_state - 'done' - 'now' - 'max_batches';
end;
$$;

comment on function scheduler.prune_history(timestamptz, integer) is 'The daily pruning in the caller''s transaction (tests, a manual run): every target of scheduler_internal.prune_step, up to p_max_batches batches each. Returns {"deleted": {target: rows}, "errors": {...}}. The prune-history job runs the same steps, committing after each.';

revoke execute on function scheduler.prune_history(timestamptz, integer) from public, anon, authenticated, service_role;
