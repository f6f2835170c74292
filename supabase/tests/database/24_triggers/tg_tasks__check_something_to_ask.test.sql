-- scheduler_internal.tg_tasks__check_something_to_ask: an active ai-prompt
-- task has a prompt or a step when its transaction commits. Constraint
-- triggers fire at commit, which a test inside one transaction never
-- reaches, so each case sets them immediate at the point it would commit.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select tests.seed_users();
select tests.authenticate_as('owner');
savepoint none;
insert into scheduler.tasks (name, type, action_type, action_payload) values ('Ask nothing', 'manual', 'ai-prompt', '{}');
select throws_ok($$ set constraints all immediate $$, '22023',
  'ai-prompt task "Ask nothing" has nothing to ask: set action_payload.prompt, or add its task_steps in the same transaction (or create it with is_active = false and activate it once its steps are in)',
  'an active ai-prompt task with neither a prompt nor steps is refused at commit');
rollback to savepoint none;

insert into scheduler.tasks (name, type, action_type, action_payload) values ('Steps follow', 'manual', 'ai-prompt', '{}');
insert into scheduler.task_steps (task_id, step_order, step_name, instructions)
select id, 1, 'draft', 'Write a line' from scheduler.tasks where name = 'Steps follow';
select lives_ok($$ set constraints all immediate $$, 'its steps may follow it in the same transaction');
set constraints all deferred;

insert into scheduler.tasks (name, type, action_type, action_payload, is_active) values ('Later', 'manual', 'ai-prompt', '{}', false);
select lives_ok($$ set constraints all immediate $$, 'an inactive one may wait for its steps');
set constraints all deferred;
savepoint inactive;
update scheduler.tasks set is_active = true where name = 'Later';
select throws_like($$ set constraints all immediate $$, 'ai-prompt task "Later" has nothing to ask:%', 'activating it checks again');
rollback to savepoint inactive;

savepoint last_step;
delete from scheduler.task_steps where task_id = (select id from scheduler.tasks where name = 'Steps follow');
select throws_like($$ set constraints all immediate $$, 'ai-prompt task "Steps follow" has nothing to ask:%', 'its last step may not go');
rollback to savepoint last_step;

insert into scheduler.tasks (name, type, action_type, action_payload) values ('Prompted', 'manual', 'ai-prompt', '{"prompt": "hi"}');
select lives_ok($$ set constraints all immediate $$, 'a prompt is enough');
set constraints all deferred;
update scheduler.tasks set deleted_at = now() where name = 'Prompted';
update scheduler.tasks set action_payload = '{}' where name = 'Prompted';
select lives_ok($$ set constraints all immediate $$, 'a deleted task is not checked');
select tests.clear_authentication();

select * from finish();
rollback;
