-- scheduler_internal.tg_task_dependencies__refuse_cycles: a task cannot
-- depend on itself, and a dependency that closes a cycle is refused with
-- the path it would close.
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.seed_users();
select tests.mk_task('a');
select tests.mk_task('b');
select tests.mk_task('c');
select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('a'))$$,
  '23514', null, 'a task cannot depend on itself');
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('b'));
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('b'), tests.fx('c'));
select throws_like($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('c'), tests.fx('a'))$$,
  'dependency cycle:%', 'a dependency that closes a cycle is refused, naming the path');

select * from finish();
rollback;
