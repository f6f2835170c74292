-- scheduler.release_runs: a batch an action refused is given back at once,
-- to the queue, unclaimed.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('refused');
select scheduler.run_task_now(tests.fx('refused'), '2035-01-01 00:40:00+00');
select tests.claim('2035-01-01 00:40:00+00');
select is(scheduler.release_runs(array[tests.run_of('refused', '2035-01-01 00:40:00+00')], 'w2', '2035-01-01 00:40:01+00'), 0,
  'another worker cannot give it back');
select is(scheduler.release_runs(array[tests.run_of('refused', '2035-01-01 00:40:00+00')], 'w1', '2035-01-01 00:40:01+00'), 1,
  'release_runs gives a claimed run back');
select is((select status::text || ' ' || coalesce(locked_by, 'nobody') from scheduler.task_runs where id = tests.run_of('refused', '2035-01-01 00:40:00+00')),
  'queued nobody', 'to the queue, unclaimed');

select * from finish();
rollback;
