-- scheduler_internal.tg_task_steps__validate: a step's order is a positive
-- integer, said so.
begin;
\ir ../_helpers/setup.psql
select plan(1);

select tests.seed_users();
select tests.mk_task('a');
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('a'), 0, 's', 'i')$$,
  '23514', 'step_order must be a positive integer, got 0', 'a non-positive step_order is refused');

select * from finish();
rollback;
