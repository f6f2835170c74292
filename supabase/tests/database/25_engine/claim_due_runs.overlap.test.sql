-- Overlap policies (scheduler.claim_due_runs with the start gate,
-- scheduler.start_runs): skip skips a due time while a run is going, queue
-- keeps at most one waiting run, allow runs both; and a task that does not
-- allow overlap never has two runs started by one claim (a retry, a manual
-- run and a queued overlap run wait their turn). Two timelines: 2031 for
-- scheduled tasks, 2032 for queued ones.
begin;
\ir ../_helpers/setup.psql
select plan(13);

select tests.seed_users();

-- scheduled tasks every minute, the first run still going at the second due time
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('ov_skip', '{"every": "1 minute", "overlap": "skip"}');
select tests.mk_task('ov_queue', '{"every": "1 minute", "overlap": "queue"}');
select tests.mk_task('ov_allow', '{"every": "1 minute", "overlap": "allow"}');
select tests.dispatch_started('2031-01-01 00:01:00+00');
select tests.dispatch_started('2031-01-01 00:02:00+00');
select is(tests.statuses('ov_skip'), array['running', 'skipped'], 'overlap skip: the second due time is skipped while the first runs');
select is(tests.statuses('ov_queue'), array['running', 'queued'], 'overlap queue: the second waits');
select is(tests.statuses('ov_allow'), array['running', 'running'], 'overlap allow: both run');
select tests.finish_task('ov_queue', 'completed', '2031-01-01 00:02:10+00');
select ok(tests.fx('ov_queue') in (select tests.dispatch_started('2031-01-01 00:02:20+00')), 'the queued run starts once the running one is over');

-- queued runs: two manual runs of a task that queues; one claim starts only the first
set local scheduler.now = '2032-01-01 00:00:00+00';
select tests.mk_task('queued2', '{"overlap": "queue"}');
select scheduler.run_task_now(tests.fx('queued2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('queued2'), '2032-01-01 00:00:02+00');
select is(tests.dispatch_count('queued2', '2032-01-01 00:00:05+00'), 1, 'overlap queue: one claim starts only the head of the task''s queue');
select is(tests.dispatch_count('queued2', '2032-01-01 00:00:06+00'), 0, 'the next waits while the first runs');
select tests.finish_task('queued2', 'completed', '2032-01-01 00:00:07+00');
select is(tests.dispatch_count('queued2', '2032-01-01 00:00:08+00'), 1, 'and starts once the first is over');

-- the same for overlap skip (queued runs are explicit requests, so they wait)
select tests.mk_task('skip2', '{"overlap": "skip"}');
select scheduler.run_task_now(tests.fx('skip2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('skip2'), '2032-01-01 00:00:02+00');
select is(tests.dispatch_count('skip2', '2032-01-01 00:00:05+00'), 1, 'overlap skip: one at a time as well');

-- allow: both start together
select tests.mk_task('allow2', '{"overlap": "allow"}');
select scheduler.run_task_now(tests.fx('allow2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('allow2'), '2032-01-01 00:00:02+00');
select is(tests.dispatch_count('allow2', '2032-01-01 00:00:05+00'), 2, 'overlap allow: every queued run starts');

-- a slow task every minute with overlap queue: one run waits, later due times are skipped
select tests.mk_task('slow', '{"every": "1 minute", "overlap": "queue"}');
select tests.dispatch_count('slow', '2032-01-01 00:01:00+00');
select tests.dispatch_count('slow', '2032-01-01 00:02:00+00');
select tests.dispatch_count('slow', '2032-01-01 00:03:00+00');
select is(tests.statuses('slow'), array['running', 'queued', 'skipped'], 'overlap queue keeps one waiting run; a further due time is skipped, not piled up');
select is((select error_message from scheduler.task_runs where task_id = tests.fx('slow') and status = 'skipped'),
  'skipped: a run was already waiting behind the running one (overlap_policy queue)', 'and says why');
select tests.finish_task('slow', 'completed', '2032-01-01 00:03:10+00');
select is(tests.dispatch_count('slow', '2032-01-01 00:03:20+00'), 1, 'the waiting run starts when the running one ends');
select is(tests.statuses('slow'), array['completed', 'running', 'skipped'], 'so the backlog never runs as a burst');

select * from finish();
rollback;
