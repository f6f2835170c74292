-- scheduler_internal.tg__check_run_link: a step, an approval or an artifact
-- points only at a run of its own task, for everyone, service work included.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, run_id) values (tests.fx('task'), 2, 's', 'i', tests.fx('other_run'))$$,
  '23514', null, 'a step cannot point at a run of another task');
select throws_ok($$insert into scheduler.approvals (task_id, run_id, action_type) values (tests.fx('task'), tests.fx('other_run'), 'notify')$$,
  '23514', null, 'an approval cannot point at a run of another task');
select throws_ok($$update scheduler.artifacts set run_id = tests.fx('other_run') where id = tests.fx('artifact')$$,
  '23514', null, 'an artifact cannot be moved onto a run of another task');
select lives_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, run_id) values (tests.fx('task'), 2, 's', 'i', tests.fx('run'))$$,
  'a step points at a run of its own task');
select tests.clear_authentication();
select throws_like($$insert into scheduler.artifacts (task_id, user_id, ref, run_id) values (tests.fx('task'), tests.fx('owner'), 'x', tests.fx('other_run'))$$,
  'run_id % is not a run of task %', 'service work keeps the same rule, with a message naming both');

select * from finish();
rollback;
