-- scheduler.record_watcher_error: a failed poll is kept on the watcher (its
-- error, the streak), backs the next poll off like a retry, and after
-- pause_after_errors in a row pauses the watcher and tells its owner once;
-- the run's own failure sends no "Task failed" notice per poll. What earlier
-- polls did (the seen-set, the cursor) is left alone, a success ends the
-- streak, and resuming starts a new one.
begin;
\ir ../_helpers/setup.psql
select plan(15);

select tests.seed_users();
set local scheduler.now = '2036-07-01 00:00:00+00';
select tests.mk_task('feed', '{"every": "10 seconds", "backoff": 60, "action_type": "watch",
  "action_payload": {"source": {"type": "http", "url": "https://example.com/feed.json"}, "items": "/items", "key": "id", "pause_after_errors": 3}}');
update scheduler.tasks set retry_backoff_max_seconds = 100 where id = tests.fx('feed');

create function tests.watch_run(p_at timestamptz, p_worker text default 'w1') returns uuid
language sql set search_path = '' as $$
  insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, start_time, locked_at, locked_by, lease_expires_at)
  values (tests.fx('feed'), p_at, 'running', 'schedule', p_at, p_at, p_worker, p_at + interval '5 minutes')
  returning id
$$;
-- a failed poll the way the watch action records it: the watcher's error, then the run's result
create function tests.fail_poll(p_at timestamptz, p_error text) returns jsonb
language plpgsql set search_path = '' as $$
declare
  v_run uuid := tests.watch_run(p_at);
  v_streak jsonb := scheduler.record_watcher_error(v_run, 'w1', p_error, p_at);
begin
  perform scheduler.complete_runs(jsonb_build_array(jsonb_build_object('run_id', v_run, 'status', 'failed', 'retryable', false,
    'error_message', p_error, 'log_summary', v_streak)), p_at, 'w1');
  return v_streak;
end;
$$;

-- a good poll first: one key seen, a cursor
select scheduler.record_watcher_poll(tests.watch_run('2036-07-01 00:00:00+00'), 'w1', '[{"key": "1", "item": {"id": 1}}]', '2036-07-01 00:00:00+00');
update scheduler.watchers set cursor = '"mark"' where task_id = tests.fx('feed');

select is(tests.fail_poll('2036-07-01 00:01:00+00', 'GET https://example.com/feed.json answered 503') - 'next_poll_at',
  '{"error_count": 1, "pause_after_errors": 3, "paused": false, "backoff_seconds": 60}'::jsonb, 'the first failure starts a streak and backs off');
select is((select (last_error, error_count, last_run)::text from scheduler.watchers where task_id = tests.fx('feed')),
  '("GET https://example.com/feed.json answered 503",1,"2036-07-01 00:01:00+00")', 'the watcher keeps the error and when');
select ok((select next_run_at >= '2036-07-01 00:02:00+00' from scheduler.tasks where id = tests.fx('feed')),
  'the next poll waits the backoff (60 s), not the 10 s schedule');
select is(tests.fail_poll('2036-07-01 00:02:00+00', 'items /items matches nothing in the answer') ->> 'backoff_seconds', '100',
  'the second doubles it, up to retry_backoff_max_seconds');
select is((select count(*)::int from scheduler.watcher_seen_items where task_id = tests.fx('feed')), 1, 'the seen-set is as the good poll left it');
select is((select cursor from scheduler.watchers where task_id = tests.fx('feed')), '"mark"'::jsonb, 'and so is the cursor');
select is_empty($$ select 1 from scheduler.notifications where task_id = tests.fx('feed') $$,
  'a failed poll is not a "Task failed" notice each time (the watcher reports its streak)');
select is((select array_agg((status, triggered_by)::text order by scheduled_time) from scheduler.task_runs where task_id = tests.fx('feed') and status <> 'running'),
  '{"(failed,schedule)","(failed,schedule)"}', 'each failed poll is a failed run, with no retry of its own (the next poll is the retry)');

-- a success ends the streak
select scheduler.record_watcher_poll(tests.watch_run('2036-07-01 00:05:00+00'), 'w1', '[{"key": "1", "item": {"id": 1}}]', '2036-07-01 00:05:00+00');
select is((select error_count from scheduler.watchers where task_id = tests.fx('feed')), 0, 'a good poll ends the streak');

-- three in a row pause it
select tests.fail_poll('2036-07-01 00:06:00+00', 'refused http://10.0.0.1/: a private address');
select tests.fail_poll('2036-07-01 00:08:00+00', 'refused http://10.0.0.1/: a private address');
select is(tests.fail_poll('2036-07-01 00:10:00+00', 'refused http://10.0.0.1/: a private address'),
  '{"error_count": 3, "pause_after_errors": 3, "paused": true}'::jsonb, 'the third failure in a row pauses the watcher');
select is((select (t.is_active, w.paused_at)::text from scheduler.tasks t join scheduler.watchers w on w.task_id = t.id where t.id = tests.fx('feed')),
  '(f,"2036-07-01 00:10:00+00")', 'its task is paused, and the watcher says when it paused itself');
select is((select array_agg((user_id = tests.fx('owner'), title, type, priority)::text) from scheduler.notifications where task_id = tests.fx('feed')),
  array['(t,"Watcher paused: feed",error,high)'], 'its owner is told once');
select matches((select message from scheduler.notifications where task_id = tests.fx('feed')), 'Its last 3 polls failed .*a private address',
  'with the streak and the last error');

-- resuming starts afresh
update scheduler.tasks set is_active = true where id = tests.fx('feed');
select is((select (error_count, paused_at)::text from scheduler.watchers where task_id = tests.fx('feed')), '(0,)', 'resuming clears the streak');

select throws_ok(format($$ select scheduler.record_watcher_error(%L, 'someone else', 'x', '2036-07-01 00:20:00+00') $$, tests.watch_run('2036-07-01 00:20:00+00')),
  '55000', null, 'only the worker running the poll records its error');

select * from finish();
rollback;
