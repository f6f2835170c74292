-- scheduler.run_task_now: the owner (or an editor, or an admin) queues a
-- run now; someone who cannot see the task cannot.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
select tests.authenticate_as('owner');
select ok(scheduler.run_task_now(tests.fx('cron5'), '2031-01-01 00:00:10+00') is not null, 'the owner runs a task now');
select is((select triggered_by || ' ' || status::text from scheduler.task_runs where task_id = tests.fx('cron5')), 'manual queued',
  'as a queued manual run');
select tests.authenticate_as('editor');
select ok(scheduler.run_task_now(tests.fx('task'), '2031-01-01 00:00:10+00') is not null, 'an editor of a shared task runs it now');
select tests.authenticate_as('other');
select throws_ok($$ select scheduler.run_task_now(tests.fx('cron5')) $$, '42501', null, 'a stranger cannot run someone else''s task');
select tests.clear_authentication();

select * from finish();
rollback;
