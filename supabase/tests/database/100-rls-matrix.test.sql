-- The role matrix: for every table, what anon, the owner, another user, a
-- viewer and an editor of a shared task, an admin and service_role can read
-- and change. Filtered reads come back empty, filtered updates touch no rows,
-- refused writes fail with 42501.
begin;
select plan(260);

-- fixtures, created as service work
select tests.remember('owner', tests.create_user('owner'));
select tests.remember('other', tests.create_user('other'));
select tests.remember('viewer', tests.create_user('viewer'));
select tests.remember('editor', tests.create_user('editor'));
select tests.remember('admin', tests.create_user('admin', 'admin'));
select tests.remember('readonly', tests.create_user('readonly', 'viewer'));

with p as (insert into scheduler.projects (user_id, name) values (tests.fx('owner'), 'Project') returning id)
select tests.remember('project', id) from p;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by, project_id)
  values ('Owner task', 'manual', 'notify', '{"channel": "web", "title": "Hi", "message": "Hello"}', tests.fx('owner'), tests.fx('owner'), tests.fx('project'))
  returning id)
select tests.remember('task', id) from t;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by)
  values ('Prerequisite', 'manual', 'notify', '{"channel": "web", "title": "Hi", "message": "Hello"}', tests.fx('owner'), tests.fx('owner'))
  returning id)
select tests.remember('task2', id) from t;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by)
  values ('Other user''s task', 'manual', 'notify', '{"channel": "web", "title": "Hi", "message": "Hello"}', tests.fx('other'), tests.fx('other'))
  returning id)
select tests.remember('other_task', id) from t;
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values
  (tests.fx('task'), tests.fx('viewer'), true, false),
  (tests.fx('task'), tests.fx('editor'), true, true);
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('task'), tests.fx('task2'));
with r as (insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('task'), now()) returning id)
select tests.remember('run', id) from r;
with s as (insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('task'), 1, 'one', 'do it') returning id)
select tests.remember('step', id) from s;
with a as (insert into scheduler.approvals (task_id, run_id, action_type) values (tests.fx('task'), tests.fx('run'), 'notify') returning id)
select tests.remember('approval', id) from a;
with a as (insert into scheduler.artifacts (task_id, user_id, ref) values (tests.fx('task'), tests.fx('owner'), 'https://example.com/report') returning id)
select tests.remember('artifact', id) from a;
with e as (insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('task'), 'file_uploaded') returning id)
select tests.remember('event_trigger', id) from e;
with e as (insert into scheduler.events (event_type, user_id, task_id) values ('note', tests.fx('owner'), tests.fx('task')) returning id)
select tests.remember('event', id) from e;
with n as (insert into scheduler.notifications (user_id, title) values (tests.fx('owner'), 'Hello') returning id)
select tests.remember('notification', id) from n;
with s as (insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('owner'), 'token-hash', now() + interval '1 day') returning id)
select tests.remember('session', id) from s;
insert into scheduler.user_preferences (user_id, preference_key, preference_value) values (tests.fx('owner'), 'default_view', '"gantt"');
with c as (insert into scheduler.checkpoints (project_id, user_id, label) values (tests.fx('project'), tests.fx('owner'), 'v1') returning id)
select tests.remember('checkpoint', id) from c;
with d as (insert into scheduler.decisions (project_id, user_id, title) values (tests.fx('project'), tests.fx('owner'), 'Use pg_cron') returning id)
select tests.remember('decision', id) from d;
with l as (insert into scheduler.system_logs (level, module, message) values ('info', 'test', 'hello') returning id)
select tests.remember('log', id) from l;

-- row level security is on for every table in public and private
select is_empty($$
  select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('scheduler', 'scheduler_internal') and c.relkind in ('r', 'p') and not c.relrowsecurity
$$, 'RLS is enabled on every table in public and private');

-- tasks
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.tasks$$, '42501', null, 'anon cannot read tasks');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 1, 'owner sees 1 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 1, 'owner updates 1 row(s) of tasks');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 0, 'other sees 0 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 0, 'other updates 0 row(s) of tasks');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 1, 'viewer sees 1 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 0, 'viewer updates 0 row(s) of tasks');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 1, 'editor sees 1 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 1, 'editor updates 1 row(s) of tasks');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 1, 'admin sees 1 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 1, 'admin updates 1 row(s) of tasks');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.tasks where id = tests.fx('task')), 1, 'service_role sees 1 row(s) of tasks');
select is(tests.rows_affected($$update scheduler.tasks set description = 'changed' where id = tests.fx('task')$$), 1, 'service_role updates 1 row(s) of tasks');
select tests.clear_authentication();

-- task_runs
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.task_runs$$, '42501', null, 'anon cannot read task_runs');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 1, 'owner sees 1 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 1, 'owner updates 1 row(s) of task_runs');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 0, 'other sees 0 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 0, 'other updates 0 row(s) of task_runs');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 1, 'viewer sees 1 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 0, 'viewer updates 0 row(s) of task_runs');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 1, 'editor sees 1 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 1, 'editor updates 1 row(s) of task_runs');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 1, 'admin sees 1 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 1, 'admin updates 1 row(s) of task_runs');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.task_runs where id = tests.fx('run')), 1, 'service_role sees 1 row(s) of task_runs');
select is(tests.rows_affected($$update scheduler.task_runs set log = 'changed' where id = tests.fx('run')$$), 1, 'service_role updates 1 row(s) of task_runs');
select tests.clear_authentication();

-- task_steps
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.task_steps$$, '42501', null, 'anon cannot read task_steps');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 1, 'owner sees 1 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 1, 'owner updates 1 row(s) of task_steps');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 0, 'other sees 0 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 0, 'other updates 0 row(s) of task_steps');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 1, 'viewer sees 1 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 0, 'viewer updates 0 row(s) of task_steps');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 1, 'editor sees 1 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 1, 'editor updates 1 row(s) of task_steps');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 1, 'admin sees 1 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 1, 'admin updates 1 row(s) of task_steps');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.task_steps where id = tests.fx('step')), 1, 'service_role sees 1 row(s) of task_steps');
select is(tests.rows_affected($$update scheduler.task_steps set instructions = 'changed' where id = tests.fx('step')$$), 1, 'service_role updates 1 row(s) of task_steps');
select tests.clear_authentication();

-- task_dependencies
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.task_dependencies$$, '42501', null, 'anon cannot read task_dependencies');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 1, 'owner sees 1 row(s) of task_dependencies');
select is(tests.rows_affected($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$), 1, 'owner updates 1 row(s) of task_dependencies');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 0, 'other sees 0 row(s) of task_dependencies');
select is(tests.rows_affected($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$), 0, 'other updates 0 row(s) of task_dependencies');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 1, 'viewer sees 1 row(s) of task_dependencies');
select is(tests.rows_affected($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$), 0, 'viewer updates 0 row(s) of task_dependencies');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 1, 'editor sees 1 row(s) of task_dependencies');
select throws_ok($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$, '42501', null, 'editor cannot update task_dependencies');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 1, 'admin sees 1 row(s) of task_dependencies');
select is(tests.rows_affected($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$), 1, 'admin updates 1 row(s) of task_dependencies');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.task_dependencies where task_id = tests.fx('task')), 1, 'service_role sees 1 row(s) of task_dependencies');
select is(tests.rows_affected($$update scheduler.task_dependencies set dependency_type = 'always' where task_id = tests.fx('task')$$), 1, 'service_role updates 1 row(s) of task_dependencies');
select tests.clear_authentication();

-- approvals
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.approvals$$, '42501', null, 'anon cannot read approvals');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 1, 'owner sees 1 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 1, 'owner updates 1 row(s) of approvals');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 0, 'other sees 0 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 0, 'other updates 0 row(s) of approvals');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 1, 'viewer sees 1 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 0, 'viewer updates 0 row(s) of approvals');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 1, 'editor sees 1 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 1, 'editor updates 1 row(s) of approvals');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 1, 'admin sees 1 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 1, 'admin updates 1 row(s) of approvals');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.approvals where id = tests.fx('approval')), 1, 'service_role sees 1 row(s) of approvals');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'changed' where id = tests.fx('approval')$$), 1, 'service_role updates 1 row(s) of approvals');
select tests.clear_authentication();

-- artifacts
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.artifacts$$, '42501', null, 'anon cannot read artifacts');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 1, 'owner sees 1 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 1, 'owner updates 1 row(s) of artifacts');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 0, 'other sees 0 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 0, 'other updates 0 row(s) of artifacts');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 1, 'viewer sees 1 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 0, 'viewer updates 0 row(s) of artifacts');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 1, 'editor sees 1 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 1, 'editor updates 1 row(s) of artifacts');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 1, 'admin sees 1 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 1, 'admin updates 1 row(s) of artifacts');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.artifacts where id = tests.fx('artifact')), 1, 'service_role sees 1 row(s) of artifacts');
select is(tests.rows_affected($$update scheduler.artifacts set summary = 'changed' where id = tests.fx('artifact')$$), 1, 'service_role updates 1 row(s) of artifacts');
select tests.clear_authentication();

-- task_event_triggers
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.task_event_triggers$$, '42501', null, 'anon cannot read task_event_triggers');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 1, 'owner sees 1 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 1, 'owner updates 1 row(s) of task_event_triggers');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 0, 'other sees 0 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 0, 'other updates 0 row(s) of task_event_triggers');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 1, 'viewer sees 1 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 0, 'viewer updates 0 row(s) of task_event_triggers');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 1, 'editor sees 1 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 1, 'editor updates 1 row(s) of task_event_triggers');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 1, 'admin sees 1 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 1, 'admin updates 1 row(s) of task_event_triggers');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.task_event_triggers where id = tests.fx('event_trigger')), 1, 'service_role sees 1 row(s) of task_event_triggers');
select is(tests.rows_affected($$update scheduler.task_event_triggers set payload_filter = '{"k": 1}' where id = tests.fx('event_trigger')$$), 1, 'service_role updates 1 row(s) of task_event_triggers');
select tests.clear_authentication();

-- task_permissions
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.task_permissions$$, '42501', null, 'anon cannot read task_permissions');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 1, 'owner sees 1 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 1, 'owner updates 1 row(s) of task_permissions');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 0, 'other sees 0 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 0, 'other updates 0 row(s) of task_permissions');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 1, 'viewer sees 1 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 0, 'viewer updates 0 row(s) of task_permissions');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 0, 'editor sees 0 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 0, 'editor updates 0 row(s) of task_permissions');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 1, 'admin sees 1 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 1, 'admin updates 1 row(s) of task_permissions');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')), 1, 'service_role sees 1 row(s) of task_permissions');
select is(tests.rows_affected($$update scheduler.task_permissions set can_view = true where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$), 1, 'service_role updates 1 row(s) of task_permissions');
select tests.clear_authentication();

-- notifications
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.notifications$$, '42501', null, 'anon cannot read notifications');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 1, 'owner sees 1 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 1, 'owner updates 1 row(s) of notifications');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 0, 'other sees 0 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 0, 'other updates 0 row(s) of notifications');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 0, 'viewer sees 0 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 0, 'viewer updates 0 row(s) of notifications');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 0, 'editor sees 0 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 0, 'editor updates 0 row(s) of notifications');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 0, 'admin sees 0 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 0, 'admin updates 0 row(s) of notifications');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.notifications where id = tests.fx('notification')), 1, 'service_role sees 1 row(s) of notifications');
select is(tests.rows_affected($$update scheduler.notifications set status = 'read' where id = tests.fx('notification')$$), 1, 'service_role updates 1 row(s) of notifications');
select tests.clear_authentication();

-- profiles
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.profiles$$, '42501', null, 'anon cannot read profiles');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 1, 'owner sees 1 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 1, 'owner updates 1 row(s) of profiles');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 0, 'other sees 0 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 0, 'other updates 0 row(s) of profiles');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 0, 'viewer sees 0 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 0, 'viewer updates 0 row(s) of profiles');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 0, 'editor sees 0 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 0, 'editor updates 0 row(s) of profiles');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 1, 'admin sees 1 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 1, 'admin updates 1 row(s) of profiles');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.profiles where id = tests.fx('owner')), 1, 'service_role sees 1 row(s) of profiles');
select is(tests.rows_affected($$update scheduler.profiles set name = 'changed' where id = tests.fx('owner')$$), 1, 'service_role updates 1 row(s) of profiles');
select tests.clear_authentication();

-- projects
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.projects$$, '42501', null, 'anon cannot read projects');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 1, 'owner sees 1 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 1, 'owner updates 1 row(s) of projects');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 0, 'other sees 0 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 0, 'other updates 0 row(s) of projects');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 0, 'viewer sees 0 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 0, 'viewer updates 0 row(s) of projects');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 0, 'editor sees 0 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 0, 'editor updates 0 row(s) of projects');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 1, 'admin sees 1 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 1, 'admin updates 1 row(s) of projects');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.projects where id = tests.fx('project')), 1, 'service_role sees 1 row(s) of projects');
select is(tests.rows_affected($$update scheduler.projects set description = 'changed' where id = tests.fx('project')$$), 1, 'service_role updates 1 row(s) of projects');
select tests.clear_authentication();

-- checkpoints
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.checkpoints$$, '42501', null, 'anon cannot read checkpoints');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 1, 'owner sees 1 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 1, 'owner updates 1 row(s) of checkpoints');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 0, 'other sees 0 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 0, 'other updates 0 row(s) of checkpoints');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 0, 'viewer sees 0 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 0, 'viewer updates 0 row(s) of checkpoints');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 0, 'editor sees 0 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 0, 'editor updates 0 row(s) of checkpoints');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 1, 'admin sees 1 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 1, 'admin updates 1 row(s) of checkpoints');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.checkpoints where id = tests.fx('checkpoint')), 1, 'service_role sees 1 row(s) of checkpoints');
select is(tests.rows_affected($$update scheduler.checkpoints set summary = 'changed' where id = tests.fx('checkpoint')$$), 1, 'service_role updates 1 row(s) of checkpoints');
select tests.clear_authentication();

-- decisions
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.decisions$$, '42501', null, 'anon cannot read decisions');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 1, 'owner sees 1 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 1, 'owner updates 1 row(s) of decisions');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 0, 'other sees 0 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 0, 'other updates 0 row(s) of decisions');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 0, 'viewer sees 0 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 0, 'viewer updates 0 row(s) of decisions');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 0, 'editor sees 0 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 0, 'editor updates 0 row(s) of decisions');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 1, 'admin sees 1 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 1, 'admin updates 1 row(s) of decisions');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.decisions where id = tests.fx('decision')), 1, 'service_role sees 1 row(s) of decisions');
select is(tests.rows_affected($$update scheduler.decisions set rationale = 'changed' where id = tests.fx('decision')$$), 1, 'service_role updates 1 row(s) of decisions');
select tests.clear_authentication();

-- sessions
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.sessions$$, '42501', null, 'anon cannot read sessions');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 1, 'owner sees 1 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 1, 'owner updates 1 row(s) of sessions');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 0, 'other sees 0 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 0, 'other updates 0 row(s) of sessions');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 0, 'viewer sees 0 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 0, 'viewer updates 0 row(s) of sessions');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 0, 'editor sees 0 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 0, 'editor updates 0 row(s) of sessions');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 1, 'admin sees 1 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 1, 'admin updates 1 row(s) of sessions');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.sessions where id = tests.fx('session')), 1, 'service_role sees 1 row(s) of sessions');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('session')$$), 1, 'service_role updates 1 row(s) of sessions');
select tests.clear_authentication();

-- user_preferences
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.user_preferences$$, '42501', null, 'anon cannot read user_preferences');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 1, 'owner sees 1 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 1, 'owner updates 1 row(s) of user_preferences');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 0, 'other sees 0 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 0, 'other updates 0 row(s) of user_preferences');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 0, 'viewer sees 0 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 0, 'viewer updates 0 row(s) of user_preferences');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 0, 'editor sees 0 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 0, 'editor updates 0 row(s) of user_preferences');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 1, 'admin sees 1 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 1, 'admin updates 1 row(s) of user_preferences');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('owner')), 1, 'service_role sees 1 row(s) of user_preferences');
select is(tests.rows_affected($$update scheduler.user_preferences set preference_value = '"list"' where user_id = tests.fx('owner')$$), 1, 'service_role updates 1 row(s) of user_preferences');
select tests.clear_authentication();

-- events
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.events$$, '42501', null, 'anon cannot read events');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 1, 'owner sees 1 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'owner cannot update events');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 0, 'other sees 0 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'other cannot update events');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 0, 'viewer sees 0 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'viewer cannot update events');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 0, 'editor sees 0 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'editor cannot update events');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 1, 'admin sees 1 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'admin cannot update events');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.events where id = tests.fx('event')), 1, 'service_role sees 1 row(s) of events');
select throws_ok($$update scheduler.events set payload = '{}' where id = tests.fx('event')$$, '42501', null, 'service_role cannot update events');
select tests.clear_authentication();

-- system_logs
select tests.authenticate_as_anon();
select throws_ok($$select * from scheduler.system_logs$$, '42501', null, 'anon cannot read system_logs');
select tests.authenticate_as('owner');
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 0, 'owner sees 0 row(s) of system_logs');
select throws_ok($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$, '42501', null, 'owner cannot update system_logs');
select tests.authenticate_as('other');
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 0, 'other sees 0 row(s) of system_logs');
select throws_ok($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$, '42501', null, 'other cannot update system_logs');
select tests.authenticate_as('viewer');
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 0, 'viewer sees 0 row(s) of system_logs');
select throws_ok($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$, '42501', null, 'viewer cannot update system_logs');
select tests.authenticate_as('editor');
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 0, 'editor sees 0 row(s) of system_logs');
select throws_ok($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$, '42501', null, 'editor cannot update system_logs');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 1, 'admin sees 1 row(s) of system_logs');
select throws_ok($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$, '42501', null, 'admin cannot update system_logs');
select tests.authenticate_as_service_role();
select is((select count(*)::int from scheduler.system_logs where id = tests.fx('log')), 1, 'service_role sees 1 row(s) of system_logs');
select is(tests.rows_affected($$update scheduler.system_logs set message = 'changed' where id = tests.fx('log')$$), 1, 'service_role updates 1 row(s) of system_logs');
select tests.clear_authentication();

-- inserts: who may create what
select tests.authenticate_as('owner');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('Mine', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  'an author creates a task; owner_id and created_by default to auth.uid()');
select is((select owner_id from scheduler.tasks where name = 'Mine'), tests.fx('owner'), 'owner_id defaulted to the caller');
select is((select created_by from scheduler.tasks where name = 'Mine'), tests.fx('owner'), 'created_by defaulted to the caller');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, owner_id) values ('For someone else', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('other'))$$,
  '42501', null, 'a user cannot create a task owned by someone else');
select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('task'), tests.fx('other_task'))$$,
  '42501', null, 'a dependency may only link tasks the user can see');
select throws_ok($$insert into scheduler.notifications (user_id, title) values (tests.fx('owner'), 'self-made')$$,
  '42501', null, 'users cannot write notifications');
select throws_ok($$update scheduler.profiles set role = 'admin' where id = tests.fx('owner')$$,
  '42501', null, 'a user cannot promote themselves');
select throws_ok($$insert into scheduler.audit_trail (actor, action, entity_type) values ('someone', 'update', 'tasks')$$,
  '42501', null, 'a user cannot forge audit entries');
select throws_ok($$update scheduler.audit_trail set action = 'nothing'$$, '42501', null, 'a user cannot alter audit entries');
select throws_ok($$delete from scheduler.audit_trail$$, '42501', null, 'a user cannot delete audit entries');
select ok((select count(*) from scheduler.audit_trail where entity_id = tests.fx('task') and user_id = tests.fx('owner')) > 0,
  'the owner reads the audit entries of their own changes');
select throws_ok($$delete from scheduler.events where id = tests.fx('event')$$, '42501', null, 'events cannot be deleted');
select lives_ok($$insert into scheduler.events (event_type) values ('owner-event')$$, 'an owner records an event');

select tests.authenticate_as('other');
select throws_ok($$insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('task'), now())$$,
  '42501', null, 'another user cannot queue runs of a task they cannot see');
select throws_ok($$insert into scheduler.events (event_type, user_id) values ('forged', tests.fx('owner'))$$,
  '42501', null, 'events are recorded only by their owner');
select throws_ok($$insert into scheduler.task_permissions (task_id, user_id, can_view) values (tests.fx('task'), tests.fx('other'), true)$$,
  '42501', null, 'another user cannot share themselves into a task');
select is(tests.rows_affected($$delete from scheduler.tasks where id = tests.fx('task')$$), 0, 'another user cannot delete the task');
select is_empty($$select 1 from scheduler.audit_trail where entity_id = tests.fx('task')$$, 'another user reads no audit entries of the task');

select tests.authenticate_as('viewer');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('task'), 2, 'two', 'x')$$,
  '42501', null, 'a viewer of a shared task cannot add steps');
select throws_ok($$insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('task'), now())$$,
  '42501', null, 'a viewer of a shared task cannot queue runs');
select is(tests.rows_affected($$delete from scheduler.task_runs where id = tests.fx('run')$$), 0, 'a viewer cannot delete runs');

select tests.authenticate_as('editor');
select lives_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('task'), 2, 'two', 'x')$$,
  'an editor of a shared task adds steps');
select throws_ok($$insert into scheduler.task_permissions (task_id, user_id, can_view) values (tests.fx('task'), tests.fx('other'), true)$$,
  '42501', null, 'an editor cannot share the task further');
select is(tests.rows_affected($$delete from scheduler.tasks where id = tests.fx('task')$$), 0, 'an editor cannot delete the task');
select throws_ok($$update scheduler.tasks set owner_id = tests.fx('editor') where id = tests.fx('task')$$,
  '42501', null, 'an editor cannot take ownership');

select tests.authenticate_as('readonly');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('Nope', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  '42501', null, 'a viewer-role profile cannot create tasks');

select tests.authenticate_as('admin');
select lives_ok($$update scheduler.tasks set owner_id = tests.fx('admin') where id = tests.fx('task2')$$, 'an admin may change owner_id');
select is(tests.rows_affected($$delete from scheduler.tasks where id = tests.fx('task2')$$), 1, 'an admin deletes any task');
select lives_ok($$update scheduler.profiles set role = 'admin' where id = tests.fx('other')$$, 'an admin changes roles');
select ok((select count(*) from scheduler.audit_trail where entity_id = tests.fx('task')) > 0, 'an admin reads every audit entry');

select tests.authenticate_as('owner');
select is(tests.rows_affected($$delete from scheduler.tasks where name = 'Mine'$$), 1, 'the owner deletes their own task');

-- function privileges
select tests.clear_authentication();
select ok(not has_function_privilege('anon', 'scheduler.next_cron_time(text, text, timestamptz)', 'execute'), 'anon cannot call next_cron_time');
select ok(has_function_privilege('authenticated', 'scheduler.next_cron_time(text, text, timestamptz)', 'execute'), 'authenticated can call next_cron_time');
select ok(not has_function_privilege('authenticated', 'scheduler.cleanup_expired_sessions(timestamptz)', 'execute'), 'authenticated cannot sweep sessions');
select ok(has_function_privilege('service_role', 'scheduler.cleanup_expired_sessions(timestamptz)', 'execute'), 'service_role sweeps sessions');
select ok(not has_function_privilege('anon', 'scheduler_internal.is_admin()', 'execute'), 'anon cannot call the policy predicates');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('scheduler', 'scheduler_internal') and p.prosecdef
    and has_function_privilege('anon', p.oid, 'execute')
$$, 'no security definer function in public or private is callable by anon');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('scheduler', 'scheduler_internal')
    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
$$, 'every function in public and private pins its search_path');

select * from finish();
rollback;
