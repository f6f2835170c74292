-- scheduler.expire_approvals: approvals past their expiry expire and their
-- runs are cancelled; one not yet expired is left alone.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('guarded', '{"every": "1 minute", "approval": true}');
select tests.dispatch_started('2031-01-01 00:01:00+00');
select is(scheduler.expire_approvals('2031-01-01 00:04:00+00'), 0, 'an approval within its approval_ttl does not expire');
select ok(scheduler.expire_approvals('2031-01-03 00:00:00+00') >= 1, 'approvals past their expiry expire');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded') and scheduled_time = '2031-01-01 00:01:00+00'), 'cancelled',
  'and their runs are cancelled');

select * from finish();
rollback;
