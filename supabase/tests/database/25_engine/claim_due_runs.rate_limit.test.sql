-- Rate limits in scheduler.claim_due_runs (with the start gate): at most
-- rate_limit_count starts in any rate_limit_period. A scheduled occurrence
-- over it is skipped, saying why (one row counts a run of such skips);
-- other runs (manual, events, retries) wait in the queue, saying why, and
-- start when the oldest start leaves the window. Clock pinned in 2031.
begin;
\ir ../_helpers/setup.psql
select plan(10);

select tests.seed_users();
set local scheduler.now = '2031-08-01 00:00:00+00';
select tests.mk_task('limited', '{"every": "10 seconds", "overlap": "allow"}');
update scheduler.tasks set rate_limit_count = 2, rate_limit_period = '1 minute' where id = tests.fx('limited');

select tests.dispatch_count('limited', '2031-08-01 00:00:10+00');
select tests.finish_task('limited', 'completed', '2031-08-01 00:00:11+00');
select tests.dispatch_count('limited', '2031-08-01 00:00:20+00');
select tests.finish_task('limited', 'completed', '2031-08-01 00:00:21+00');
select is(tests.dispatch_count('limited', '2031-08-01 00:00:30+00'), 0, 'two starts a minute: the third due time in the minute does not start');
select is((select error_message from scheduler.task_runs where id = tests.run_of('limited', '2031-08-01 00:00:30+00')),
  'skipped: the rate limit of 2 starts per 00:01:00 was reached (rate_limit_count, rate_limit_period)', 'it is skipped, saying why');
select tests.dispatch_count('limited', '2031-08-01 00:00:40+00');
select tests.dispatch_count('limited', '2031-08-01 00:00:50+00');
select is(tests.statuses('limited'), array['completed', 'completed', 'skipped'], 'skips in a row are one row');
select is((select (log_summary ->> 'skipped_occurrences')::integer from scheduler.task_runs
           where task_id = tests.fx('limited') and status = 'skipped'), 3, 'that counts them');
-- 00:01:00 is still within a minute of the start at 00:00:20 (and of 00:00:10's, exactly a minute): skipped too
select tests.dispatch_count('limited', '2031-08-01 00:01:00+00');
select is(tests.dispatch_count('limited', '2031-08-01 00:01:10+00'), 1,
  'a minute after the first start it has left the window: the next due time starts');

-- requests wait instead of being dropped
select tests.mk_task('limited_q');
update scheduler.tasks set rate_limit_count = 1, rate_limit_period = '1 minute' where id = tests.fx('limited_q');
select scheduler.run_task_now(tests.fx('limited_q'), '2031-08-01 00:02:00+00');
select scheduler.run_task_now(tests.fx('limited_q'), '2031-08-01 00:02:00.5+00');
select is(tests.dispatch_count('limited_q', '2031-08-01 00:02:01+00'), 1, 'one start a minute: of two manual runs one starts');
select tests.finish_task('limited_q', 'completed', '2031-08-01 00:02:02+00');
select is(tests.dispatch_count('limited_q', '2031-08-01 00:02:30+00'), 0, 'the other waits while the window is full');
select is((select wait_reason from scheduler.task_runs where task_id = tests.fx('limited_q') and status = 'queued'),
  'waiting: the rate limit of 1 starts per 00:01:00 was reached (rate_limit_count, rate_limit_period)', 'saying why');
select is(tests.dispatch_count('limited_q', '2031-08-01 00:03:01+00'), 1, 'and starts once the first start has left the window');
select is(tests.statuses('limited_q'), array['completed', 'running'], 'nothing was dropped');

select * from finish();
rollback;
