-- The role matrix for INSERT and DELETE on every table (100-rls-matrix covers
-- SELECT and UPDATE). One row per table and command, one column per role:
-- the expected outcome is the number of rows the statement touched ('1', or
-- '0' when RLS filters the row away) or the SQLSTATE it must fail with
-- ('42501' when the role may not write at all). tests.outcome_as runs each
-- statement as that role and rolls it back, so every role meets the same
-- fixtures. The fixtures: the owner's task (shared with viewer for viewing
-- and with editor for editing), a second task of the owner's, the owner's
-- project, and one row of every other table belonging to the owner.
begin;

select tests.remember('owner', tests.create_user('owner'));
select tests.remember('other', tests.create_user('other'));
select tests.remember('viewer', tests.create_user('viewer'));
select tests.remember('editor', tests.create_user('editor'));
select tests.remember('admin', tests.create_user('admin', 'admin'));
select tests.remember('newcomer', tests.create_user('newcomer'));
select tests.remember('bare', tests.create_user('bare'));
delete from scheduler.profiles where id = tests.fx('bare');

with p as (insert into scheduler.projects (user_id, name) values (tests.fx('owner'), 'Project') returning id)
select tests.remember('project', id) from p;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by, project_id)
  values ('Owner task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), tests.fx('owner'), tests.fx('project'))
  returning id)
select tests.remember('task', id) from t;
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by)
  values ('Second task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), tests.fx('owner'))
  returning id)
select tests.remember('task2', id) from t;
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values
  (tests.fx('task'), tests.fx('viewer'), true, false),
  (tests.fx('task'), tests.fx('editor'), true, true);
with t as (
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by)
  values ('Prerequisite', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), tests.fx('owner'))
  returning id)
select tests.remember('task3', id) from t;
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('task'), tests.fx('task3'));
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
select tests.remember('audit', (select id from scheduler.audit_trail where entity_id = tests.fx('task') limit 1));

create temp table cases (
  n serial,
  tbl text not null,
  cmd text not null,
  stmt text not null,
  anon text not null,
  owner text not null,
  other text not null,
  viewer text not null,
  editor text not null,
  admin text not null,
  service_role text not null
) on commit drop;

insert into cases (tbl, cmd, stmt, anon, owner, other, viewer, editor, admin, service_role) values
  -- inserts: a row for the owner, on the owner's task or project
  ('tasks', 'insert a task owned by the owner',
   $$insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, created_by) values ('m', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), tests.fx('owner'))$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('projects', 'insert a project owned by the owner',
   $$insert into scheduler.projects (user_id, name) values (tests.fx('owner'), 'p2')$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('task_permissions', 'share the task with a newcomer',
   $$insert into scheduler.task_permissions (task_id, user_id, can_view) values (tests.fx('task'), tests.fx('newcomer'), true)$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('task_dependencies', 'make the second task wait for the task',
   $$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('task2'), tests.fx('task'))$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('task_dependencies', 'make the task wait for a task the editor cannot see',
   $$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('task'), tests.fx('task2'))$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('task_runs', 'queue a run of the task',
   $$insert into scheduler.task_runs (task_id, scheduled_time) values (tests.fx('task'), now())$$,
   '42501', '1', '42501', '42501', '1', '1', '1'),
  ('task_steps', 'add a step to the task',
   $$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('task'), 2, 'two', 'x')$$,
   '42501', '1', '42501', '42501', '1', '1', '1'),
  ('approvals', 'request an approval on the task',
   $$insert into scheduler.approvals (task_id, action_type) values (tests.fx('task'), 'notify')$$,
   '42501', '1', '42501', '42501', '1', '1', '1'),
  ('artifacts', 'attach an artifact to the task',
   $$insert into scheduler.artifacts (task_id, user_id, ref) values (tests.fx('task'), coalesce(auth.uid(), tests.fx('owner')), 'r')$$,
   '42501', '1', '42501', '42501', '1', '1', '1'),
  ('task_event_triggers', 'subscribe the task to an event',
   $$insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('task'), 'order_placed')$$,
   '42501', '1', '42501', '42501', '1', '1', '1'),
  ('events', 'record an event about the task',
   $$insert into scheduler.events (event_type, user_id, task_id) values ('matrix', coalesce(auth.uid(), tests.fx('owner')), tests.fx('task'))$$,
   '42501', '1', '42501', '1', '1', '1', '1'),
  ('events', 'record an event in the owner''s name',
   $$insert into scheduler.events (event_type, user_id) values ('matrix', tests.fx('owner'))$$,
   '42501', '1', '42501', '42501', '42501', '42501', '1'),
  ('notifications', 'notify the owner',
   $$insert into scheduler.notifications (user_id, title) values (tests.fx('owner'), 'x')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('sessions', 'start a session in one''s own name',
   $$insert into scheduler.sessions (user_id, token, expires_at) values (coalesce(auth.uid(), tests.fx('owner')), gen_random_uuid()::text, now() + interval '1 hour')$$,
   '42501', '1', '1', '1', '1', '1', '1'),
  ('sessions', 'start a session in the owner''s name',
   $$insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('owner'), gen_random_uuid()::text, now() + interval '1 hour')$$,
   '42501', '1', '42501', '42501', '42501', '42501', '1'),
  ('user_preferences', 'set a preference in the owner''s name',
   $$insert into scheduler.user_preferences (user_id, preference_key, preference_value) values (tests.fx('owner'), 'theme', '"dark"')$$,
   '42501', '1', '42501', '42501', '42501', '42501', '1'),
  ('checkpoints', 'save a checkpoint of the owner''s project',
   $$insert into scheduler.checkpoints (project_id, user_id, label) values (tests.fx('project'), coalesce(auth.uid(), tests.fx('owner')), 'v2')$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('decisions', 'record a decision in the owner''s project',
   $$insert into scheduler.decisions (project_id, user_id, title) values (tests.fx('project'), coalesce(auth.uid(), tests.fx('owner')), 'd')$$,
   '42501', '1', '42501', '42501', '42501', '1', '1'),
  ('system_logs', 'write a log entry',
   $$insert into scheduler.system_logs (level, message) values ('info', 'x')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('audit_trail', 'write an audit entry',
   $$insert into scheduler.audit_trail (actor, action, entity_type) values ('forged', 'update', 'tasks')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('profiles', 'create a profile',
   $$insert into scheduler.profiles (id) values (tests.fx('bare'))$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1'),

  -- deletes: the owner's rows; '0' means RLS hid the row
  ('tasks', 'delete the task',
   $$delete from scheduler.tasks where id = tests.fx('task')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('projects', 'delete the project',
   $$delete from scheduler.projects where id = tests.fx('project')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('task_permissions', 'revoke the viewer''s share',
   $$delete from scheduler.task_permissions where task_id = tests.fx('task') and user_id = tests.fx('viewer')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('task_dependencies', 'remove the dependency',
   $$delete from scheduler.task_dependencies where task_id = tests.fx('task')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('task_runs', 'delete the run',
   $$delete from scheduler.task_runs where id = tests.fx('run')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('task_steps', 'delete the step',
   $$delete from scheduler.task_steps where id = tests.fx('step')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('approvals', 'delete the approval',
   $$delete from scheduler.approvals where id = tests.fx('approval')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('artifacts', 'delete the artifact',
   $$delete from scheduler.artifacts where id = tests.fx('artifact')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('task_event_triggers', 'unsubscribe the task',
   $$delete from scheduler.task_event_triggers where id = tests.fx('event_trigger')$$,
   '42501', '1', '0', '0', '1', '1', '1'),
  ('events', 'delete the event',
   $$delete from scheduler.events where id = tests.fx('event')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('notifications', 'delete the owner''s notification',
   $$delete from scheduler.notifications where id = tests.fx('notification')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('sessions', 'end the owner''s session',
   $$delete from scheduler.sessions where id = tests.fx('session')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('user_preferences', 'remove the owner''s preference',
   $$delete from scheduler.user_preferences where user_id = tests.fx('owner')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('checkpoints', 'delete the checkpoint',
   $$delete from scheduler.checkpoints where id = tests.fx('checkpoint')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('decisions', 'delete the decision',
   $$delete from scheduler.decisions where id = tests.fx('decision')$$,
   '42501', '1', '0', '0', '0', '1', '1'),
  ('system_logs', 'delete the log entry',
   $$delete from scheduler.system_logs where id = tests.fx('log')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('audit_trail', 'delete an audit entry',
   $$delete from scheduler.audit_trail where id = tests.fx('audit')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('profiles', 'delete the owner''s profile',
   $$delete from scheduler.profiles where id = tests.fx('owner')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '1');

select plan((select count(*)::int * 7 from cases) + 2);

select is(tests.outcome_as(r.who, c.stmt), r.expected, format('%s: %s (%s) -> %s', r.who, c.cmd, c.tbl, r.expected))
from cases c
cross join lateral (values
  (1, 'anon', c.anon), (2, 'owner', c.owner), (3, 'other', c.other), (4, 'viewer', c.viewer),
  (5, 'editor', c.editor), (6, 'admin', c.admin), (7, 'service_role', c.service_role)
) r(ord, who, expected)
order by c.n, r.ord;

-- every table in public has a row above for both commands
select is_empty($$
  select c.relname || ' ' || cmd from pg_class c
  join pg_namespace ns on ns.oid = c.relnamespace
  cross join (values ('insert'), ('delete')) k(cmd)
  where ns.nspname = 'scheduler' and c.relkind = 'r'
    and not exists (select 1 from cases m where m.tbl = c.relname and split_part(ltrim(m.stmt), ' ', 1) = k.cmd)
  order by 1
$$, 'the matrix covers insert and delete on every table in public');
-- and tests.outcome_as really undoes what it ran
select ok(exists (select 1 from scheduler.tasks where id = tests.fx('task')), 'the fixtures survive the matrix');

select * from finish();
rollback;
