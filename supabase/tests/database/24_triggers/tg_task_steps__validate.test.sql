-- scheduler_internal.tg_task_steps__validate: a step's order is a positive
-- integer, and its own allow-list of tools holds tool names, said so.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed_users();
select tests.mk_task('a');
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('a'), 0, 's', 'i')$$,
  '23514', 'step_order must be a positive integer, got 0', 'a non-positive step_order is refused');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, allowed_tools) values (tests.fx('a'), 1, 's', 'i', '{read.file}')$$,
  '22023', 'allowed_tools: must be at most 100 tool names (letters, digits, _ and -, at most 64)', 'a step''s allowed_tools are tool names');
select lives_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, allowed_tools, requires_approval)
  values (tests.fx('a'), 1, 's', 'i', '{read_file}', true)$$, 'a step may narrow the tools and ask for approval');
select throws_ok($$update scheduler.task_steps set allowed_tools = '{ok, "not ok"}' where task_id = tests.fx('a')$$,
  '22023', null, 'and the check holds on update');

select * from finish();
rollback;
