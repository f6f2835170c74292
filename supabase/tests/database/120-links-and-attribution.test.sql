-- Links and attribution: a row may only point at rows its writer may see
-- (a task's or event's project, a step's, approval's or artifact's run), and
-- the columns that say who did something (created_by, granted_by, user_id,
-- approved_by, rejected_by, a profile's email) cannot be forged. Admins
-- manage sessions and preferences like everything else.
begin;
select plan(36);

select tests.remember('owner', tests.create_user('owner'));
select tests.remember('other', tests.create_user('other'));
select tests.remember('editor', tests.create_user('editor'));
select tests.remember('admin', tests.create_user('admin', 'admin'));

with p as (insert into scheduler.projects (user_id, name) values (tests.fx('owner'), 'Mine') returning id)
select tests.remember('project', id) from p;
with p as (insert into scheduler.projects (user_id, name) values (tests.fx('other'), 'Theirs') returning id)
select tests.remember('other_project', id) from p;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by, project_id)
  values ('Owner task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), tests.fx('owner'), tests.fx('project'))
  returning id)
select tests.remember('task', id) from t;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by)
  values ('Other task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('other'), tests.fx('other'))
  returning id)
select tests.remember('other_task', id) from t;
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('task'), tests.fx('editor'), true, true);
with r as (insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('task'), now()) returning id)
select tests.remember('run', id) from r;
with r as (insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('other_task'), now()) returning id)
select tests.remember('other_run', id) from r;
with a as (insert into scheduler.artifacts (task_id, user_id, ref) values (tests.fx('task'), tests.fx('owner'), 'https://example.com/r') returning id)
select tests.remember('artifact', id) from a;
with a as (insert into scheduler.approvals (task_id, run_id, action_type) values (tests.fx('task'), tests.fx('run'), 'notify') returning id)
select tests.remember('approval', id) from a;
with c as (insert into scheduler.checkpoints (project_id, user_id, label) values (tests.fx('project'), tests.fx('owner'), 'v1') returning id)
select tests.remember('checkpoint', id) from c;
with d as (insert into scheduler.decisions (project_id, user_id, title) values (tests.fx('project'), tests.fx('owner'), 'Pick one') returning id)
select tests.remember('decision', id) from d;
with s as (insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('other'), 'other-token-hash', now() + interval '1 day') returning id)
select tests.remember('other_session', id) from s;
insert into scheduler.user_preferences (user_id, preference_key, preference_value) values (tests.fx('other'), 'default_view', '"list"');

-- projects: a task or an event only joins a project its writer owns
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
update scheduler.tasks set project_id = tests.fx('project') where id = tests.fx('task');

-- runs: a step, approval or artifact points at a run of its own task, for everyone
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, run_id) values (tests.fx('task'), 1, 's', 'i', tests.fx('other_run'))$$,
  '23514', null, 'a step cannot point at a run of another task');
select throws_ok($$insert into scheduler.approvals (task_id, run_id, action_type) values (tests.fx('task'), tests.fx('other_run'), 'notify')$$,
  '23514', null, 'an approval cannot point at a run of another task');
select throws_ok($$update scheduler.artifacts set run_id = tests.fx('other_run') where id = tests.fx('artifact')$$,
  '23514', null, 'an artifact cannot be moved onto a run of another task');
select lives_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions, run_id) values (tests.fx('task'), 1, 's', 'i', tests.fx('run'))$$,
  'a step points at a run of its own task');
select tests.clear_authentication();
select throws_like($$insert into scheduler.artifacts (task_id, user_id, ref, run_id) values (tests.fx('task'), tests.fx('owner'), 'x', tests.fx('other_run'))$$,
  'run_id % is not a run of task %', 'service work keeps the same rule, with a message naming both');

-- attribution: who created, granted, produced or decided something is the caller
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
select throws_ok($$update scheduler.approvals set status = 'approved', approved_by = tests.fx('owner'), approved_at = now() where id = tests.fx('approval')$$,
  '42501', 'an approval is decided in the caller''s own name', 'an editor cannot approve in the owner''s name');
select throws_ok($$insert into scheduler.approvals (task_id, action_type, status, rejected_by, rejected_at) values (tests.fx('task'), 'notify', 'rejected', tests.fx('owner'), now())$$,
  '42501', 'an approval is decided in the caller''s own name', 'nor record a rejection in the owner''s name');
select is(tests.rows_affected($$update scheduler.approvals set status = 'approved', approved_by = tests.fx('editor'), approved_at = now() where id = tests.fx('approval')$$), 1,
  'an editor approves in their own name');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'looked fine' where id = tests.fx('approval')$$), 1,
  'and a later edit by the owner of the decision keeps it');
select tests.authenticate_as('owner');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'agreed' where id = tests.fx('approval')$$), 1,
  'the task owner edits notes of an approval someone else decided');
select tests.authenticate_as('admin');
select lives_ok($$update scheduler.artifacts set user_id = tests.fx('admin') where id = tests.fx('artifact')$$, 'an admin may re-attribute an artifact');

-- profiles: email mirrors auth.users and is not the user's to change
select tests.authenticate_as('owner');
select throws_ok($$update scheduler.profiles set email = 'ceo@example.com' where id = tests.fx('owner')$$,
  '42501', null, 'a user cannot change the email on their profile');
select is(tests.rows_affected($$update scheduler.profiles set name = 'Olive Owner' where id = tests.fx('owner')$$), 1,
  'a user changes their display name');
select tests.clear_authentication();
update auth.users set email = 'olive@example.com' where id = tests.fx('owner');
select is((select email from scheduler.profiles where id = tests.fx('owner')), 'olive@example.com', 'a changed auth email reaches the profile');

-- admins see and manage sessions and preferences; other users still do not
select tests.authenticate_as('owner');
select is_empty($$select 1 from scheduler.sessions where id = tests.fx('other_session')$$, 'a user does not see another user''s session');
select is_empty($$select 1 from scheduler.user_preferences where user_id = tests.fx('other')$$, 'a user does not see another user''s preferences');
select tests.authenticate_as('admin');
select is((select count(*)::int from scheduler.sessions where id = tests.fx('other_session')), 1, 'an admin sees every session');
select is(tests.rows_affected($$update scheduler.sessions set is_revoked = true where id = tests.fx('other_session')$$), 1, 'an admin revokes a session');
select is((select count(*)::int from scheduler.user_preferences where user_id = tests.fx('other')), 1, 'an admin sees every preference');
select is(tests.rows_affected($$delete from scheduler.user_preferences where user_id = tests.fx('other')$$), 1, 'an admin removes a preference');
select throws_ok($$insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('other'), 'forged', now() + interval '1 day')$$,
  '42501', null, 'an admin does not start sessions in another user''s name');

select * from finish();
rollback;
