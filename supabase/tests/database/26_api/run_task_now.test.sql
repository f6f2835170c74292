-- scheduler.run_task_now: the owner (or an editor, or an admin) queues a
-- run now, recorded as theirs and with the inputs they give; someone who
-- cannot see the task hears what an unknown id gets.
begin;
\ir ../_helpers/setup.psql
select plan(9);

select tests.seed();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
update scheduler.tasks set name = 'Nightly report' where id = tests.fx('cron5');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('cron5'), tests.fx('viewer'), true, false);
select tests.authenticate_as('owner');
select ok(scheduler.run_task_now(tests.fx('cron5'), '2031-01-01 00:00:10+00', '{"day": "2031-01-01"}') is not null, 'the owner runs a task now');
select tests.clear_authentication();
select results_eq($$ select triggered_by, status::text, requested_by, inputs from scheduler.task_runs where task_id = tests.fx('cron5') $$,
  $$ values ('manual', 'queued', tests.fx('owner'), '{"day": "2031-01-01"}'::jsonb) $$,
  'as a queued manual run, recorded as the owner''s, with its inputs');
select tests.authenticate_as('editor');
select ok(scheduler.run_task_now(tests.fx('task'), '2031-01-01 00:00:10+00') is not null, 'an editor of a shared task runs it now');
select tests.clear_authentication();
select is((select requested_by from scheduler.task_runs where task_id = tests.fx('task') and triggered_by = 'manual'), tests.fx('editor'),
  'recorded as the editor''s');
select tests.authenticate_as('other');
select throws_ok(format($$ select scheduler.run_task_now(%L) $$, tests.fx('cron5')),
  'P0002', format('run_task_now: task %s does not exist', tests.fx('cron5')), 'a stranger is told the task does not exist');
select throws_ok($$ select scheduler.run_task_now('00000000-0000-4000-8000-000000000000') $$,
  'P0002', 'run_task_now: task 00000000-0000-4000-8000-000000000000 does not exist', 'as for an id that exists nowhere');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select scheduler.run_task_now(%L) $$, tests.fx('cron5')),
  '42501', 'run_task_now: you may not run task "Nightly report" (its owner, editors and admins may)',
  'someone the task is shared with for viewing is refused by the task''s name');
select tests.authenticate_as('owner');
select throws_ok(format($$ select scheduler.run_task_now(%L, p_inputs => '[1, 2]') $$, tests.fx('cron5')),
  '22023', 'run_task_now: p_inputs must be a JSON object (its fields are {{inputs.<field>}}), got array', 'inputs must be an object');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('cron5')), 1, 'and nothing refused was queued');

select * from finish();
rollback;
