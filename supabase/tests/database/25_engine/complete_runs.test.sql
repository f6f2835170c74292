-- scheduler.complete_runs: a retryable failure schedules the next attempt
-- with exponential backoff and bounded jitter, the last attempt fails for
-- good and tells the owner; a non-retryable failure is final at once; a
-- late or foreign result is ignored and says so; a claimed run its action
-- could not even start is recorded failed, without a start time.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';

-- retries: exponential backoff with bounded jitter, then a final failure and an alert
select tests.mk_task('flaky', '{"attempts": 3}');
select scheduler.run_task_now(tests.fx('flaky'), '2031-01-01 01:00:00+00');
select tests.dispatch_started('2031-01-01 01:00:00+00');
select is(tests.finish_task('flaky', 'failed', '2031-01-01 01:00:05+00', true), 'retry scheduled', 'a retryable failure schedules attempt 2');
select ok((select scheduled_time between '2031-01-01 01:00:15+00' and '2031-01-01 01:00:17+00' from scheduler.task_runs where task_id = tests.fx('flaky') and attempt = 2),
  'attempt 2 waits the base backoff (10 s) plus at most 20% jitter');
select tests.dispatch_started('2031-01-01 01:00:20+00');
select tests.finish_task('flaky', 'failed', '2031-01-01 01:00:21+00', true);
select ok((select scheduled_time between '2031-01-01 01:00:41+00' and '2031-01-01 01:00:45+00' from scheduler.task_runs where task_id = tests.fx('flaky') and attempt = 3),
  'attempt 3 waits twice as long');
select tests.dispatch_started('2031-01-01 01:01:00+00');
select is(tests.finish_task('flaky', 'failed', '2031-01-01 01:01:01+00', true), 'failed', 'the last attempt fails for good');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('flaky')), 3, 'no attempt beyond max_attempts');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('flaky') and user_id = tests.fx('owner') and type = 'error'),
  'the owner is notified of the final failure');

select tests.mk_task('fatal');
select scheduler.run_task_now(tests.fx('fatal'), '2031-01-01 01:00:00+00');
select tests.dispatch_started('2031-01-01 01:00:00+00');
select is(tests.finish_task('fatal', 'failed', '2031-01-01 01:00:01+00', false), 'failed', 'a non-retryable failure is final at once');
select is((select outcome from scheduler.complete_runs(jsonb_build_array(jsonb_build_object(
    'run_id', (select id from scheduler.task_runs where task_id = tests.fx('fatal')), 'status', 'completed')), '2031-01-01 01:00:02+00')),
  'ignored: the run is not running for this worker (finished, cancelled or taken back)', 'a late second result for a finished run is ignored, and says so');

-- completion belongs to the worker that holds the run
set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('owned');
select scheduler.run_task_now(tests.fx('owned'), '2035-01-01 00:30:00+00');
select tests.claim('2035-01-01 00:30:00+00');
select tests.gate(tests.run_of('owned', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:00+00');
select is(tests.finish_run(tests.run_of('owned', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:01+00', 'completed', 'w2'),
  'ignored: the run is not running for this worker (finished, cancelled or taken back)', 'another worker''s result is ignored');
select is(tests.finish_run(tests.run_of('owned', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:02+00', 'completed', 'w1'),
  'completed', 'its own worker''s is recorded');
select tests.mk_task('unreadable', '{"attempts": 1}');
select scheduler.run_task_now(tests.fx('unreadable'), '2035-01-01 00:30:00+00');
select tests.claim('2035-01-01 00:30:00+00');
select is(tests.finish_run(tests.run_of('unreadable', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:01+00', 'failed'), 'failed',
  'a claimed run its action could not even start is recorded failed by its worker');
select is((select start_time from scheduler.task_runs where id = tests.run_of('unreadable', '2035-01-01 00:30:00+00')), null,
  'without a start time: it never started');

select * from finish();
rollback;
