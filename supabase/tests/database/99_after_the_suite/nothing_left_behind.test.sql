-- Runs last (pg_prove sorts the paths), in a session of its own, after
-- every other file rolled back: proves that the suite leaves nothing
-- behind, so `supabase test db` against a hosted project adds no schema,
-- no helper (none that can insert into auth.users) and no fixture row.
-- This file does not include the helpers: they would create what it
-- looks for.
begin;
set local client_min_messages = warning;
create extension if not exists pgtap with schema extensions;
select plan(10);

select hasnt_schema('tests', 'no tests schema is left: its helpers were created in each file''s transaction and rolled back with it');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where (p.prosrc ~ 'test_label|@test\.local|tests\.(fx|remember|fixtures|rls_cases)\M')
    and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
$$, 'no function anywhere creates or reads the fixtures (none inserts labelled users into auth.users)');
select is_empty($$ select id from auth.users where raw_user_meta_data ? 'test_label' or email like '%@test.local' $$,
  'no fixture user is left in auth.users (and so none of their profiles, projects, tasks or runs)');
select is_empty($$
  select 'system_logs ' || module from scheduler.system_logs where module in ('pgtap', 'test', 'hk') or message = 'half-done expiry'
  union all select 'audit_trail ' || action from scheduler.audit_trail where entity_type = 'test'
  union all select 'events ' || event_type from scheduler.events where user_id is null and event_type like 'hk %'
$$, 'no fixture row without a user is left in scheduler');
select is_empty($$
  select request_id::text from scheduler_internal.dispatcher_requests where request_id between 910000000000 and 910000000099
  union all select id::text from net._http_response where id between 910000000000 and 910000000099
$$, 'no fixture pg_net response and no recorded fixture wake is left');
select is_empty($$
  select jobname from cron.job where jobname = 'someone-elses-report'
  union all select command from cron.job_run_details where command like 'hk %'
$$, 'no fixture pg_cron job or job history is left');
select is_empty($$
  select c.oid::regclass::text from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname like 'grants\_probe%'
  union all select p.oid::regprocedure::text from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname like 'grants\_probe%'
$$, 'no probe table, view, sequence or function is left in public');
select is_empty($$ select key from scheduler_internal.settings where value in ('"soon"', '"7"') or key = 'pgtap_probe' $$,
  'no setting is left as a test broke it');
select unalike((select prosrc from pg_proc where oid = 'scheduler.expire_approvals(timestamptz)'::regprocedure), '%expiry broke%',
  'scheduler.expire_approvals is the real one again (a test replaced it inside its transaction)');
select unalike((select prosrc from pg_proc where oid = 'scheduler.check_dispatcher_heartbeat(timestamptz)'::regprocedure), '%heartbeat broke%',
  'and so is scheduler.check_dispatcher_heartbeat');

select * from finish();
rollback;
