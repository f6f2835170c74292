-- scheduler_internal.tg__guard_attribution (and the insert policies): the
-- columns that say who created, granted or produced something (created_by,
-- granted_by, user_id) are the caller's and cannot be rewritten, except by
-- an admin or service work.
begin;
\ir ../_helpers/setup.psql
select plan(9);

select tests.seed();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, created_by) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('other'))$$,
  '42501', null, 'a task cannot be created in another user''s name');
select throws_ok($$insert into scheduler.task_permissions (task_id, user_id, can_view, granted_by) values (tests.fx('task'), tests.fx('other'), true, tests.fx('editor'))$$,
  '42501', null, 'a share cannot be granted in another user''s name');
select lives_ok($$insert into scheduler.task_permissions (task_id, user_id, can_view) values (tests.fx('task'), tests.fx('other'), true)$$,
  'the owner shares a task; granted_by defaults to the owner');
select is((select granted_by from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('other')), tests.fx('owner'),
  'granted_by is the owner');
select throws_ok($$update scheduler.task_permissions set granted_by = tests.fx('editor') where task_id = tests.fx('task') and user_id = tests.fx('other')$$,
  '42501', 'only an admin may change task_permissions.granted_by', 'granted_by cannot be rewritten');
select throws_ok($$update scheduler.checkpoints set user_id = tests.fx('other') where id = tests.fx('checkpoint')$$,
  '42501', 'only an admin may change checkpoints.user_id', 'a checkpoint cannot be re-attributed');
select throws_ok($$update scheduler.decisions set user_id = tests.fx('other') where id = tests.fx('decision')$$,
  '42501', 'only an admin may change decisions.user_id', 'a decision cannot be re-attributed');
select tests.authenticate_as('editor');
select throws_ok($$update scheduler.artifacts set user_id = tests.fx('editor') where id = tests.fx('artifact')$$,
  '42501', 'only an admin may change artifacts.user_id', 'an editor cannot claim someone else''s artifact');
select tests.authenticate_as('admin');
select lives_ok($$update scheduler.artifacts set user_id = tests.fx('admin') where id = tests.fx('artifact')$$, 'an admin may re-attribute an artifact');

select * from finish();
rollback;
