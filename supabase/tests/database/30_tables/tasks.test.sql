-- scheduler.tasks beyond its policies (30_tables/rls_matrix): owner_id and
-- created_by default to the author; no index covers what the claim changes
-- (its due index is scheduler_internal.due_tasks), so its per-run update can
-- be HOT; full-text search over name and description.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select tests.seed_users();
select tests.authenticate_as('owner');
select lives_ok($$insert into scheduler.tasks (name, description, type, action_type, action_payload) values ('Nightly backup', 'Copies the invoices bucket offsite', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  'an author creates a task; owner_id and created_by default to auth.uid()');
select is((select owner_id from scheduler.tasks where name = 'Nightly backup'), tests.fx('owner'), 'owner_id defaulted to the caller');
select is((select created_by from scheduler.tasks where name = 'Nightly backup'), tests.fx('owner'), 'created_by defaulted to the caller');
select is((select name from scheduler.tasks where search @@ websearch_to_tsquery('english', 'invoice offsite')), 'Nightly backup',
  'full-text search finds a task by words of its description');
select tests.clear_authentication();

select is_empty($$
  select i.indexrelid::regclass from pg_index i
  cross join lateral unnest(array['next_run_at', 'last_run_at', 'updated_at']) c(col)
  where i.indrelid = 'scheduler.tasks'::regclass
    and (c.col = any (array(select a.attname::text from pg_attribute a where a.attrelid = i.indrelid and a.attnum = any (i.indkey)))
         or pg_get_expr(i.indexprs, i.indrelid) ~ c.col or pg_get_expr(i.indpred, i.indrelid) ~ c.col)
$$, 'no index of tasks covers next_run_at, last_run_at or updated_at, the columns the claim changes');
select is((select reloptions from pg_class where oid = 'scheduler.tasks'::regclass), array['fillfactor=50'],
  'and its pages keep room for those HOT updates (fillfactor 50)');
select is((select attgenerated::text from pg_attribute where attrelid = 'scheduler.tasks'::regclass and attname = 'search'), 's',
  'tasks.search is a stored generated tsvector');
select ok(exists (select 1 from pg_indexes where schemaname = 'scheduler' and tablename = 'tasks' and indexdef ~ 'USING gin \(search\)'),
  'and has a GIN index');

select * from finish();
rollback;
