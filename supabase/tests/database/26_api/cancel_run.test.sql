-- scheduler.cancel_run: a queued run is cancelled by who may edit the task
-- (a claimed one too: 25_engine/start_runs). Someone who cannot see the task
-- hears what an unknown id gets, so nobody learns that another user's run
-- exists; someone who sees it but may not edit it is told so, by name.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
update scheduler.tasks set name = 'Nightly report' where id = tests.fx('cron5');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('cron5'), tests.fx('viewer'), true, false);
select scheduler.run_task_now(tests.fx('cron5'), '2031-01-01 00:00:10+00');
select tests.remember('manual run', (select id from scheduler.task_runs where task_id = tests.fx('cron5') and triggered_by = 'manual'));
select tests.authenticate_as('other');
select throws_ok(format($$ select scheduler.cancel_run(%L, '2031-01-01 00:00:11+00') $$, tests.fx('manual run')),
  'P0002', format('cancel_run: run %s does not exist', tests.fx('manual run')), 'another user is told the run does not exist');
select throws_ok($$ select scheduler.cancel_run('00000000-0000-4000-8000-000000000000', '2031-01-01 00:00:11+00') $$,
  'P0002', 'cancel_run: run 00000000-0000-4000-8000-000000000000 does not exist', 'as for an id that exists nowhere');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select scheduler.cancel_run(%L, '2031-01-01 00:00:11+00') $$, tests.fx('manual run')),
  '42501', 'cancel_run: you may not cancel runs of task "Nightly report" (its owner, editors and admins may)',
  'someone the task is shared with for viewing is refused by the task''s name');
select tests.authenticate_as('admin');
select is(scheduler.cancel_run(tests.fx('manual run'), '2031-01-01 00:00:11+00')::text,
  'cancelled', 'a run can be cancelled');
select tests.clear_authentication();
select is((select status::text from scheduler.task_runs where id = tests.fx('manual run')), 'cancelled', 'and it stays cancelled');

select * from finish();
rollback;
