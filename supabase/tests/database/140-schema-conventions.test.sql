-- The conventions the whole schema keeps, checked on the catalog so a new
-- table or policy that forgets one fails here: updated_at everywhere it
-- belongs, foreign keys indexed, views security_invoker, policies aimed at
-- explicit roles and written with (select auth.uid()), anon locked out,
-- the audited tables audited, the due-task and full-text indexes in place.
begin;
select plan(16);

-- updated_at: every mutable table has it and the one shared trigger; the
-- logs (events and audit_trail are immutable, system_logs is service-written) do not
select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'r'
    and c.relname not in ('events', 'audit_trail', 'system_logs')
    and not exists (
      select 1 from pg_trigger t
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'updated_at' and not a.attisdropped
      where t.tgrelid = c.oid and t.tgfoid = 'scheduler_internal.tg__set_updated_at()'::regprocedure
        and t.tgtype & 2 = 2 and t.tgtype & 16 = 16  -- before, update
    )
$$, 'every mutable table in public stamps updated_at with scheduler_internal.tg__set_updated_at()');

select tests.remember('u', tests.create_user('u'));
with p as (insert into scheduler.projects (user_id, name) values (tests.fx('u'), 'P') returning id)
select tests.remember('project', id) from p;
with c as (insert into scheduler.checkpoints (project_id, user_id, label, updated_at) values (tests.fx('project'), tests.fx('u'), 'v1', '2000-01-01') returning id)
select tests.remember('checkpoint', id) from c;
update scheduler.checkpoints set label = 'v2' where id = tests.fx('checkpoint');
select ok((select updated_at > '2001-01-01' from scheduler.checkpoints where id = tests.fx('checkpoint')), 'an edited checkpoint gets a fresh updated_at');

-- foreign keys: an index leads with exactly the key's columns
select is_empty($$
  select c.conrelid::regclass::text || ' (' || c.conname || ')' from pg_constraint c
  where c.contype = 'f' and c.connamespace in ('scheduler'::regnamespace, 'scheduler_internal'::regnamespace)
    and not exists (
      select 1 from pg_index i
      where i.indrelid = c.conrelid
        and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
    )
$$, 'every foreign key in public and private is covered by an index');

-- views run with the caller's rights, so RLS applies through them
select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'v'
    and not coalesce('security_invoker=true' = any (c.reloptions), false)
$$, 'every view in public is security_invoker');
select set_eq($$select viewname::text from pg_views where schemaname = 'scheduler'$$,
  array['task_summary', 'active_tasks', 'recent_events', 'daily_activity'], 'the four views of the seeds exist');

-- policies
select is_empty($$
  select tablename || ': ' || policyname from pg_policies
  where schemaname in ('scheduler', 'scheduler_internal') and 'public' = any (roles)
$$, 'every policy names its roles (none applies to PUBLIC)');
select is_empty($$
  select tablename || ': ' || policyname from pg_policies
  where schemaname in ('scheduler', 'scheduler_internal')
    and (trim(coalesce(qual, '')) = 'true' or trim(coalesce(with_check, '')) = 'true')
$$, 'no policy is using (true) or with check (true)');
select is_empty($$
  select tablename || ': ' || policyname from pg_policies
  where schemaname in ('scheduler', 'scheduler_internal')
    and (regexp_count(coalesce(qual, '') || coalesce(with_check, ''), 'auth\.uid\(\)')
         <> regexp_count(coalesce(qual, '') || coalesce(with_check, ''), 'SELECT auth\.uid\(\)'))
$$, 'policies call auth.uid() once per statement, as (select auth.uid())');
select is_empty($$
  select tablename || ' ' || cmd || ' ' || r from pg_policies, unnest(roles) r
  where schemaname in ('scheduler', 'scheduler_internal') and permissive = 'PERMISSIVE'
  group by tablename, cmd, r having count(*) > 1
$$, 'one permissive policy per table, role and command');
select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'r' and c.relrowsecurity
    and not exists (select 1 from pg_policies p where p.schemaname = 'scheduler' and p.tablename = c.relname)
$$, 'every table in public has at least one policy');

-- anon: nothing anywhere in public
select is_empty($$
  select c.relname || ' ' || p.privilege from pg_class c
  cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate'), ('references'), ('trigger')) p(privilege)
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('r', 'v', 'm', 'p')
    and has_table_privilege('anon', c.oid, p.privilege)
$$, 'anon holds no privilege on any table or view in public');

-- audit: the five audited tables, each with an audit trigger
select set_eq($$
  select distinct c.relname::text from pg_trigger t join pg_class c on c.oid = t.tgrelid
  where t.tgfoid = 'scheduler_internal.tg__audit()'::regprocedure
$$, array['tasks', 'task_dependencies', 'task_permissions', 'approvals', 'profiles'],
  'tasks, task_dependencies, task_permissions, approvals and profiles are audited, and only they');

-- the engine's due-task index and full-text search on tasks
select ok((select pg_get_indexdef(i.indexrelid) ~ '\(next_run_at, priority\) WHERE \(is_active AND \(deleted_at IS NULL\)'
           from pg_index i where i.indexrelid = 'scheduler.tasks_due_idx'::regclass),
  'tasks_due_idx covers (next_run_at, priority) of active, undeleted tasks');
select is((select attgenerated::text from pg_attribute where attrelid = 'scheduler.tasks'::regclass and attname = 'search'), 's',
  'tasks.search is a stored generated tsvector');
select ok(exists (select 1 from pg_indexes where schemaname = 'scheduler' and tablename = 'tasks' and indexdef ~ 'USING gin \(search\)'),
  'and has a GIN index');
select tests.authenticate_as('u');
insert into scheduler.tasks (name, description, type, action_type, action_payload)
values ('Nightly backup', 'Copies the invoices bucket offsite', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}');
select is((select name from scheduler.tasks where search @@ websearch_to_tsquery('english', 'invoice offsite')), 'Nightly backup',
  'full-text search finds a task by words of its description');

select * from finish();
rollback;
