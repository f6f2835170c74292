-- scheduler.tasks beyond its policies (30_tables/rls_matrix): owner_id and
-- created_by default to the author; the engine's due-task index; full-text
-- search over name and description.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select tests.seed_users();
select tests.authenticate_as('owner');
select lives_ok($$insert into scheduler.tasks (name, description, type, action_type, action_payload) values ('Nightly backup', 'Copies the invoices bucket offsite', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  'an author creates a task; owner_id and created_by default to auth.uid()');
select is((select owner_id from scheduler.tasks where name = 'Nightly backup'), tests.fx('owner'), 'owner_id defaulted to the caller');
select is((select created_by from scheduler.tasks where name = 'Nightly backup'), tests.fx('owner'), 'created_by defaulted to the caller');
select is((select name from scheduler.tasks where search @@ websearch_to_tsquery('english', 'invoice offsite')), 'Nightly backup',
  'full-text search finds a task by words of its description');
select tests.clear_authentication();

select ok((select pg_get_indexdef(i.indexrelid) ~ '\(next_run_at, priority\) WHERE \(is_active AND \(deleted_at IS NULL\)'
           from pg_index i where i.indexrelid = 'scheduler.tasks_due_idx'::regclass),
  'tasks_due_idx covers (next_run_at, priority) of active, undeleted tasks');
select is((select attgenerated::text from pg_attribute where attrelid = 'scheduler.tasks'::regclass and attname = 'search'), 's',
  'tasks.search is a stored generated tsvector');
select ok(exists (select 1 from pg_indexes where schemaname = 'scheduler' and tablename = 'tasks' and indexdef ~ 'USING gin \(search\)'),
  'and has a GIN index');

select * from finish();
rollback;
