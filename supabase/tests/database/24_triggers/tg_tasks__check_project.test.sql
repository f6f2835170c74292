-- scheduler_internal.tg_tasks__check_project (and the events policy): a
-- task or an event only joins a project its writer owns; an editor still
-- edits a shared task in its owner's project; admins move tasks anywhere.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select tests.seed();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, project_id) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('other_project'))$$,
  '42501', 'project_id must be a project you own', 'a task cannot be created in another user''s project');
select throws_ok($$update scheduler.tasks set project_id = tests.fx('other_project') where id = tests.fx('task')$$,
  '42501', 'project_id must be a project you own', 'a task cannot be moved into another user''s project');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, project_id) values ('in my project', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('project'))$$,
  'a task is created in the owner''s own project');
select throws_ok($$insert into scheduler.events (event_type, project_id) values ('note', tests.fx('other_project'))$$,
  '42501', null, 'an event cannot be recorded against another user''s project');
select lives_ok($$insert into scheduler.events (event_type, project_id) values ('note', tests.fx('project'))$$,
  'an event is recorded against the owner''s own project');
select tests.authenticate_as('editor');
select is(tests.rows_affected($$update scheduler.tasks set description = 'edited' where id = tests.fx('task')$$), 1,
  'an editor still edits a shared task that sits in its owner''s project');
select tests.authenticate_as('admin');
select lives_ok($$update scheduler.tasks set project_id = tests.fx('other_project') where id = tests.fx('task')$$,
  'an admin may move a task into any project');

select * from finish();
rollback;
