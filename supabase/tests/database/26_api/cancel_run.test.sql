-- scheduler.cancel_run: a queued run is cancelled by who may edit the task
-- (a claimed one too: 25_engine/start_runs).
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
select scheduler.run_task_now(tests.fx('cron5'), '2031-01-01 00:00:10+00');
select tests.remember('manual run', (select id from scheduler.task_runs where task_id = tests.fx('cron5') and triggered_by = 'manual'));
select tests.authenticate_as('other');
select throws_ok($$ select scheduler.cancel_run(tests.fx('manual run'), '2031-01-01 00:00:11+00') $$,
  '42501', null, 'another user cannot cancel the run');
select tests.authenticate_as('admin');
select is(scheduler.cancel_run(tests.fx('manual run'), '2031-01-01 00:00:11+00')::text,
  'cancelled', 'a run can be cancelled');
select tests.clear_authentication();

select * from finish();
rollback;
