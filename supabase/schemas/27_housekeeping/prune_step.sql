-- one step of the pruning, as a state machine over the targets, so the
-- caller decides where the transactions end: the prune-history job commits
-- after every step, scheduler.prune_history runs them all in the caller's.
create or replace function scheduler_internal.prune_step(p_state jsonb default '{}') returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  -- runs first: the events and notifications they held on to go next
  v_targets constant text[] := array['skipped_runs', 'finished_runs', 'events', 'notifications', 'audit_trail',
                                     'system_logs', 'cron_history', 'http_responses', 'idempotency_keys'];
  v_state jsonb := coalesce(p_state, '{}');
  v_now timestamptz := coalesce((v_state ->> 'now')::timestamptz, now());
  v_max integer := coalesce((v_state ->> 'max_batches')::integer, 1000);
  v_limit integer := coalesce((scheduler_internal.setting('prune_batch_size'))::integer, 5000);
  v_target text := coalesce(v_state ->> 'target', v_targets[1]);
  v_batches integer := coalesce((v_state ->> 'batches')::integer, 0) + 1;
  v_position integer := array_position(v_targets, v_target);
  v_deleted integer := 0;
  v_last_at timestamptz;
  v_last_id bigint;
begin
  if coalesce((v_state ->> 'done')::boolean, false) then
    return v_state;
  end if;
  if v_position is null then
    raise exception 'prune_step: unknown target %', v_target using errcode = '22023';
  end if;
  begin
    select b.deleted, b.last_at, b.last_id into v_deleted, v_last_at, v_last_id
    from scheduler_internal.prune_batch(v_target, v_now, v_limit, (v_state ->> 'after_at')::timestamptz, (v_state ->> 'after_id')::bigint) b;
  exception when others then
    -- a failing target is reported and skipped; the others still run
    v_state := v_state || jsonb_build_object('errors', coalesce(v_state -> 'errors', '{}')
      || jsonb_build_object(v_target, scheduler_internal.log_failure('prune_history', v_target, sqlstate, sqlerrm)));
    v_deleted := 0;
  end;
  v_state := v_state || jsonb_build_object('now', v_now, 'max_batches', v_max,
    'deleted', coalesce(v_state -> 'deleted', '{}')
      || jsonb_build_object(v_target, coalesce((v_state #>> array['deleted', v_target])::bigint, 0) + v_deleted));
  if v_deleted >= v_limit and v_batches < v_max then
    return v_state || jsonb_build_object('target', v_target, 'batches', v_batches, 'after_at', v_last_at, 'after_id', v_last_id);
  end if;
  v_state := v_state - 'after_at' - 'after_id';
  if v_position = cardinality(v_targets) then
    return v_state - 'target' - 'batches' || '{"done": true}'::jsonb;
  end if;
  return v_state || jsonb_build_object('target', v_targets[v_position + 1], 'batches', 0);
end;
$$;

comment on function scheduler_internal.prune_step(jsonb) is 'One batch of the daily pruning. Takes the state the previous step returned ({} to start; {"now": ..., "max_batches": ...} to choose them) and returns the next, with deleted counts (and errors) per target; {"done": true} when every target is done. The prune-history job commits after each step.';

revoke execute on function scheduler_internal.prune_step(jsonb) from public, anon, authenticated, service_role;
