-- A watcher's failed poll (unreachable or refused URL, an error status, an
-- answer over max_response_bytes, items or a key that match nothing ...):
-- the error and the streak are kept on the watcher, and the next poll backs
-- off like a retry (the task's retry_backoff_seconds doubled per error in a
-- row, capped by retry_backoff_max_seconds). After pause_after_errors in a
-- row the watcher pauses itself (the task's is_active) and tells its owner
-- once, with the last error. Nothing a poll did before is touched: the
-- seen-set and the cursor stay as the last good poll left them.
create function scheduler.record_watcher_error(p_run_id uuid, p_worker text, p_error text, p_now timestamptz default now())
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_task record;
  v_error text := left(coalesce(nullif(p_error, ''), 'the poll failed without a message'), 2000);
  v_pause_after integer;
  v_count integer;
  v_delay bigint;
  v_next timestamptz;
begin
  select t.id, t.name, t.owner_id, t.action_type, t.action_payload, t.retry_backoff_seconds, t.retry_backoff_max_seconds into v_task
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id and r.status = 'running' and r.locked_by = p_worker;
  if not found then
    raise exception 'record_watcher_error: run % is not running for worker % (finished, cancelled or taken back); nothing was recorded', p_run_id, p_worker
      using errcode = '55000';
  end if;
  if v_task.action_type <> 'watch' then
    raise exception 'record_watcher_error: run % belongs to a % task, not a watcher', p_run_id, v_task.action_type using errcode = '22023';
  end if;
  v_pause_after := coalesce((v_task.action_payload ->> 'pause_after_errors')::integer, 5);

  update scheduler.watchers w
  set last_run = p_now, last_error = v_error, error_count = w.error_count + 1
  where w.task_id = v_task.id
  returning w.error_count into v_count;
  if v_count is null then
    raise exception 'record_watcher_error: task % has no watchers row', v_task.id using errcode = '55000';
  end if;

  if v_count >= v_pause_after then
    update scheduler.tasks t set is_active = false where t.id = v_task.id and t.is_active;
    update scheduler.watchers w set paused_at = p_now where w.task_id = v_task.id;
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    values (v_task.owner_id, 'Watcher paused: ' || v_task.name,
      'Its last ' || v_count || ' polls failed (pause_after_errors ' || v_pause_after || '), the last with: ' || left(v_error, 500)
        || '. It polls again once you resume it (is_active = true).',
      'error', 'high', 'web', v_task.id, p_run_id,
      jsonb_build_object('error_count', v_count, 'last_error', v_error));
    return jsonb_build_object('error_count', v_count, 'pause_after_errors', v_pause_after, 'paused', true);
  end if;

  -- back off: the next poll no sooner than the delay a retry would wait
  v_delay := least(v_task.retry_backoff_seconds * power(2::numeric, v_count - 1), v_task.retry_backoff_max_seconds)::bigint;
  update scheduler.tasks t
  set next_run_at = greatest(t.next_run_at, p_now + make_interval(secs => v_delay::double precision))
  where t.id = v_task.id and t.next_run_at is not null
  returning t.next_run_at into v_next;
  return jsonb_build_object('error_count', v_count, 'pause_after_errors', v_pause_after, 'paused', false,
    'backoff_seconds', v_delay, 'next_poll_at', v_next);
end;
$$;

comment on function scheduler.record_watcher_error(uuid, text, text, timestamptz) is
  'service_role (the watch action): records a watcher''s failed poll: last_error, error_count + 1, the next poll backed off by the task''s retry backoff; after pause_after_errors in a row, pauses the task and notifies its owner. Returns the streak for the run''s log_summary.';

revoke execute on function scheduler.record_watcher_error(uuid, text, text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_watcher_error(uuid, text, text, timestamptz) to service_role;
