-- scheduler.cancel_task: cancels a task's runs that have not finished, a
-- claimed one included.
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.seed_users();
set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('cancel_task', '{"every": "1 minute"}');
select tests.claim('2035-01-01 00:00:56+00');
select is(scheduler.cancel_task(tests.fx('cancel_task'), '2035-01-01 00:00:57+00'), 1, 'cancel_task cancels a claimed run');
select is(tests.gate(tests.run_of('cancel_task', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00'), 'not_claimed',
  'which the gate then does not start');

select * from finish();
rollback;
