-- scheduler_internal.tg_task_dependencies__refuse_cycles: a task cannot
-- depend on itself, and a dependency that closes a cycle is refused with
-- the path it would close, by the names of the tasks the writer can see.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
select tests.mk_task('a');
select tests.mk_task('b');
select tests.mk_task('c');
update scheduler.tasks set name = 'Extract' where id = tests.fx('a');
update scheduler.tasks set name = 'Transform' where id = tests.fx('b');
update scheduler.tasks set name = 'Load' where id = tests.fx('c');
select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('a'))$$,
  '23514', 'dependency cycle: task "Extract" cannot depend on itself', 'a task cannot depend on itself');
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('b'));
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('b'), tests.fx('c'));
select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('c'), tests.fx('a'))$$,
  '23514', 'dependency cycle: this would close "Load" -> "Extract" -> "Transform" -> "Load"', 'a dependency that closes a cycle is refused, naming the path by its tasks');
-- a writer who cannot see a task on the path is not told its name:
-- Transform is the other user's, Load is shared with them, Extract is not
delete from scheduler.task_dependencies where task_id in (tests.fx('a'), tests.fx('b'), tests.fx('c'));
update scheduler.tasks set owner_id = tests.fx('other') where id = tests.fx('b');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('c'), tests.fx('other'), true, true);
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('c')), (tests.fx('b'), tests.fx('a'));
select tests.authenticate_as('other');
select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('c'), tests.fx('b'))$$,
  '23514', 'dependency cycle: this would close "Load" -> "Transform" -> a task you cannot see -> "Load"',
  'a task the writer cannot see is not named');
select tests.clear_authentication();

select * from finish();
rollback;
