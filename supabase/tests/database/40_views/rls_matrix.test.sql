-- The role matrix of every view in scheduler, for every command (the same
-- machinery as 30_tables/rls_matrix). The views are security_invoker, so a
-- role sees through them exactly the rows the tables' policies show it.
-- Nobody writes through a view: none is automatically updatable (each
-- joins or aggregates), so PostgreSQL refuses the write (55000) before it
-- even looks at the grants, which give select only (40_views/grants).
begin;
\ir ../_helpers/setup.psql
select tests.seed();

insert into tests.rls_cases (relation, cmd, what, stmt, anon, owner, other, viewer, editor, readonly, admin, service_role) values
  ('scheduler.task_summary', 'select', 'the owner''s shared task',
   $$select 1 from scheduler.task_summary where id = tests.fx('task')$$,
   '42501', '1', '0', '1', '1', '1', '1', '1'),
  ('scheduler.task_summary', 'insert', 'a task through the summary',
   $$insert into scheduler.task_summary (id, name) values (gen_random_uuid(), 'x')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.task_summary', 'update', 'rename the task through the summary',
   $$update scheduler.task_summary set name = 'changed' where id = tests.fx('task')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.task_summary', 'delete', 'delete the task through the summary',
   $$delete from scheduler.task_summary where id = tests.fx('task')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),

  ('scheduler.active_tasks', 'select', 'the queued run of the shared task',
   $$select 1 from scheduler.active_tasks where run_id = tests.fx('run')$$,
   '42501', '1', '0', '1', '1', '1', '1', '1'),
  ('scheduler.active_tasks', 'insert', 'a run through active_tasks',
   $$insert into scheduler.active_tasks (task_id, name) values (tests.fx('task'), 'x')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.active_tasks', 'update', 'unlock the run through active_tasks',
   $$update scheduler.active_tasks set locked_by = null where run_id = tests.fx('run')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.active_tasks', 'delete', 'delete the run through active_tasks',
   $$delete from scheduler.active_tasks where run_id = tests.fx('run')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),

  ('scheduler.recent_events', 'select', 'the owner''s event',
   $$select 1 from scheduler.recent_events where id = tests.fx('event')$$,
   '42501', '1', '0', '0', '0', '0', '1', '1'),
  ('scheduler.recent_events', 'insert', 'an event through recent_events',
   $$insert into scheduler.recent_events (event_type) values ('x')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.recent_events', 'update', 'change the event through recent_events',
   $$update scheduler.recent_events set payload = '{}' where id = tests.fx('event')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.recent_events', 'delete', 'delete the event through recent_events',
   $$delete from scheduler.recent_events where id = tests.fx('event')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),

  -- the log half of the activity shows only what admins may read
  ('scheduler.daily_activity', 'select', 'today''s log activity of the fixtures'' module',
   $$select 1 from scheduler.daily_activity where source = 'log' and activity_date = current_date and modules_affected ~ '\mpgtap\M'$$,
   '42501', '0', '0', '0', '0', '0', '1', '1'),
  ('scheduler.daily_activity', 'insert', 'activity through daily_activity',
   $$insert into scheduler.daily_activity (source) values ('x')$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.daily_activity', 'update', 'change today''s activity',
   $$update scheduler.daily_activity set level = 'x' where activity_date = current_date$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000'),
  ('scheduler.daily_activity', 'delete', 'delete today''s activity',
   $$delete from scheduler.daily_activity where activity_date = current_date$$,
   '55000', '55000', '55000', '55000', '55000', '55000', '55000', '55000');

select plan(tests.rls_plan() + 2);
select * from tests.rls_matrix();

select is_empty($$ select * from tests.rls_uncovered('scheduler', '{v,m}') $$,
  'the matrix covers select, insert, update and delete on every view in scheduler');
select set_eq($$select viewname::text from pg_views where schemaname = 'scheduler'$$,
  array['task_summary', 'active_tasks', 'recent_events', 'daily_activity'], 'the four views of the seeds exist');

select * from finish();
rollback;
