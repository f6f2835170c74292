-- Grants, as hosted Supabase has them since 2026-10-30 (changelog 45329):
-- a table or view in public is reachable by anon, authenticated and
-- service_role only through what a migration grants them. Three parts:
-- (a) the local bootstrap is no more lenient than hosted, so the RLS
--     matrices (100, 130) pass only because of the explicit grants;
-- (b) every table and view in public holds exactly the privileges of
--     migration 0960 per API role (a values list), anon none at all;
-- (c) notifications are readable by their recipient as authenticated,
--     which Realtime needs.
begin;

create temp table expected_grants (tbl text not null, role text not null, privileges text[] not null) on commit drop;
insert into expected_grants (tbl, role, privileges) values
  ('profiles',            'authenticated', '{select,update}'),
  ('profiles',            'service_role',  '{select,insert,update,delete}'),
  ('projects',            'authenticated', '{select,insert,update,delete}'),
  ('projects',            'service_role',  '{select,insert,update,delete}'),
  ('tasks',               'authenticated', '{select,insert,update,delete}'),
  ('tasks',               'service_role',  '{select,insert,update,delete}'),
  ('task_permissions',    'authenticated', '{select,insert,update,delete}'),
  ('task_permissions',    'service_role',  '{select,insert,update,delete}'),
  ('task_dependencies',   'authenticated', '{select,insert,update,delete}'),
  ('task_dependencies',   'service_role',  '{select,insert,update,delete}'),
  ('task_runs',           'authenticated', '{select,insert,update,delete}'),
  ('task_runs',           'service_role',  '{select,insert,update,delete}'),
  ('task_steps',          'authenticated', '{select,insert,update,delete}'),
  ('task_steps',          'service_role',  '{select,insert,update,delete}'),
  ('approvals',           'authenticated', '{select,insert,update,delete}'),
  ('approvals',           'service_role',  '{select,insert,update,delete}'),
  -- and update of status and read_at only (the column grants, below)
  ('notifications',       'authenticated', '{select}'),
  ('notifications',       'service_role',  '{select,insert,update,delete}'),
  ('events',              'authenticated', '{select,insert}'),
  ('events',              'service_role',  '{select,insert}'),
  ('task_event_triggers', 'authenticated', '{select,insert,update,delete}'),
  ('task_event_triggers', 'service_role',  '{select,insert,update,delete}'),
  ('sessions',            'authenticated', '{select,insert,update,delete}'),
  ('sessions',            'service_role',  '{select,insert,update,delete}'),
  ('user_preferences',    'authenticated', '{select,insert,update,delete}'),
  ('user_preferences',    'service_role',  '{select,insert,update,delete}'),
  ('artifacts',           'authenticated', '{select,insert,update,delete}'),
  ('artifacts',           'service_role',  '{select,insert,update,delete}'),
  ('checkpoints',         'authenticated', '{select,insert,update,delete}'),
  ('checkpoints',         'service_role',  '{select,insert,update,delete}'),
  ('decisions',           'authenticated', '{select,insert,update,delete}'),
  ('decisions',           'service_role',  '{select,insert,update,delete}'),
  ('system_logs',         'authenticated', '{select}'),
  ('system_logs',         'service_role',  '{select,insert,update,delete}'),
  ('audit_trail',         'authenticated', '{select}'),
  ('audit_trail',         'service_role',  '{select}'),
  ('task_summary',        'authenticated', '{select}'),
  ('task_summary',        'service_role',  '{select}'),
  ('active_tasks',        'authenticated', '{select}'),
  ('active_tasks',        'service_role',  '{select}'),
  ('recent_events',       'authenticated', '{select}'),
  ('recent_events',       'service_role',  '{select}'),
  ('daily_activity',      'authenticated', '{select}'),
  ('daily_activity',      'service_role',  '{select}');

select plan((select count(*)::int from expected_grants) + 22);

-- what a relation's ACL gives a role, as sorted lowercase privilege names
-- ('select', 'update with grant option', ...); null grantee is PUBLIC
create function pg_temp.privileges_of(p_acl aclitem[], p_owner oid, p_grantee oid) returns text[]
language sql stable
as $$
  select coalesce(array_agg(x.privilege order by x.privilege), '{}')
  from (
    select lower(a.privilege_type) || case when a.is_grantable then ' with grant option' else '' end as privilege
    from aclexplode(coalesce(p_acl, acldefault('r', p_owner))) a
    where a.grantee = coalesce(p_grantee, 0)
  ) x
$$;

-- (a) the bootstrap is as strict as hosted ---------------------------------

-- what postgres's default privileges hand the API roles (and PUBLIC) on
-- what it creates: hosted revokes everything the Data API uses, so must this
select is_empty($$
  select case d.defaclnamespace when 0 then 'every schema' else d.defaclnamespace::regnamespace::text end
         || ', ' || d.defaclobjtype::text || ': ' || a.privilege_type || ' to '
         || case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end
  from pg_default_acl d cross join lateral aclexplode(d.defaclacl) a
  where d.defaclrole = 'postgres'::regrole
    and d.defaclnamespace in (0, 'public'::regnamespace, 'scheduler'::regnamespace)
    and (a.grantee in ('anon'::regrole, 'authenticated'::regrole, 'service_role'::regrole)
         or (a.grantee = 0 and d.defaclobjtype <> 'f'))
    and (d.defaclobjtype::text, a.privilege_type) in (
      ('r', 'SELECT'), ('r', 'INSERT'), ('r', 'UPDATE'), ('r', 'DELETE'),
      ('S', 'USAGE'), ('S', 'SELECT'), ('f', 'EXECUTE'))
$$, 'no default privilege of postgres gives anon, authenticated or service_role select, insert, update or delete on tables, usage or select on sequences, or execute on functions');

-- a table, a view, a sequence and a function created here, as a migration
-- creates them (as postgres, in public)
create table public.grants_probe (id integer primary key);
create view public.grants_probe_view with (security_invoker = true) as select id from public.grants_probe;
create sequence public.grants_probe_seq;
create function public.grants_probe_fn() returns integer language sql set search_path = '' as $$ select 1 $$;

select set_eq($$
  select c.relname::text, r.rolname::text, p
  from pg_class c
  cross join (select oid, rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) r
  cross join lateral unnest(pg_temp.privileges_of(c.relacl, c.relowner, r.oid)) p
  where c.oid in ('public.grants_probe'::regclass, 'public.grants_probe_view'::regclass)
$$, $$
  select t, r, p
  from (values ('grants_probe'), ('grants_probe_view')) t(t)
  cross join (values ('anon'), ('authenticated'), ('service_role')) r(r)
  cross join (values ('truncate'), ('references'), ('trigger')) p(p)
$$, 'a new table or view in public gives the API roles truncate, references and trigger only, as hosted leaves them: nothing the Data API uses');

select is(pg_temp.privileges_of(c.relacl, c.relowner, null), '{}', 'and nothing to PUBLIC')
from pg_class c where c.oid = 'public.grants_probe'::regclass;

select tests.remember('prober', tests.create_user('prober'));
select is(
  array[
    tests.outcome_as('anon', 'select * from public.grants_probe'),
    tests.outcome_as('prober', 'select * from public.grants_probe'),
    tests.outcome_as('service_role', 'select * from public.grants_probe'),
    tests.outcome_as('prober', 'select * from public.grants_probe_view'),
    tests.outcome_as('anon', 'insert into public.grants_probe values (1)'),
    tests.outcome_as('prober', 'insert into public.grants_probe values (1)'),
    tests.outcome_as('service_role', 'insert into public.grants_probe values (1)')],
  array['42501', '42501', '42501', '42501', '42501', '42501', '42501'],
  'so anon, a signed-in user and service_role are refused a new table until a migration grants it, as on hosted');

select set_eq($$
  select r.rolname::text, a.privilege_type::text
  from aclexplode((select relacl from pg_class where oid = 'public.grants_probe_seq'::regclass)) a
  join pg_roles r on r.oid = a.grantee
  where r.rolname in ('anon', 'authenticated', 'service_role')
$$, $$ values ('anon', 'UPDATE'), ('authenticated', 'UPDATE'), ('service_role', 'UPDATE') $$,
  'a new sequence in public gives the API roles update only, as hosted leaves it: no usage or select');

select set_eq($$
  select case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end, a.privilege_type::text
  from pg_proc p cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
  where p.oid = 'public.grants_probe_fn()'::regprocedure and a.grantee <> p.proowner
$$, $$ values ('PUBLIC', 'EXECUTE') $$,
  'a new function in public grants the API roles nothing of their own; PUBLIC keeps execute, as on hosted (so each migration revokes it)');

drop function public.grants_probe_fn();
drop sequence public.grants_probe_seq;
drop view public.grants_probe_view;
drop table public.grants_probe;

-- pg_cron, as hosted: postgres reads cron.job and changes it only through
-- cron.schedule, and hangs no triggers on cron.job_run_details
select is(pg_temp.privileges_of(c.relacl, c.relowner, 'postgres'::regrole), '{select with grant option}',
  'postgres holds only select on cron.job')
from pg_class c where c.oid = 'cron.job'::regclass;
select ok(not has_table_privilege('postgres', 'cron.job_run_details', 'trigger'),
  'postgres holds no trigger privilege on cron.job_run_details');

-- (b) each table and view in scheduler holds what migration 0960 grants -------

select is(
  pg_temp.privileges_of(c.relacl, c.relowner, e.role::regrole),
  array(select p from unnest(e.privileges) p order by 1),
  format('%s: %s holds %s', e.tbl, e.role, array_to_string(e.privileges, ', ')))
from expected_grants e
left join pg_class c on c.oid = to_regclass('scheduler.' || e.tbl)
order by e.tbl, e.role;

select is_empty($$
  select c.relname || ' for ' || r.role from pg_class c
  cross join (values ('authenticated'), ('service_role')) r(role)
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and not exists (select 1 from expected_grants e where e.tbl = c.relname and e.role = r.role)
  union all
  select e.tbl || ' (in the list, not in public)' from expected_grants e
  where to_regclass('scheduler.' || e.tbl) is null
$$, 'the list above names every table and view in public, for authenticated and for service_role, and only them');

select is_empty($$
  select c.relname || ': ' || x.privilege_type || ' to ' || case x.grantee when 0 then 'PUBLIC' else 'anon' end
  from pg_class c cross join lateral aclexplode(c.relacl) x
  where c.relnamespace = 'scheduler'::regnamespace and c.relacl is not null and x.grantee in (0, 'anon'::regrole)
  union all
  select c.relname || '.' || a.attname || ': ' || x.privilege_type || ' to ' || case x.grantee when 0 then 'PUBLIC' else 'anon' end
  from pg_class c
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  cross join lateral aclexplode(a.attacl) x
  where c.relnamespace = 'scheduler'::regnamespace and a.attacl is not null and x.grantee in (0, 'anon'::regrole)
$$, 'anon and PUBLIC hold no privilege on any table, view, sequence or column in public');

select set_eq($$
  select c.relname::text, a.attname::text, x.grantee::regrole::text, x.privilege_type::text
  from pg_class c
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  cross join lateral aclexplode(a.attacl) x
  where c.relnamespace = 'scheduler'::regnamespace
    and x.grantee in ('authenticated'::regrole, 'service_role'::regrole)
$$, $$ values ('notifications', 'status', 'authenticated', 'UPDATE'), ('notifications', 'read_at', 'authenticated', 'UPDATE') $$,
  'the only column grants: a recipient updates a notification''s status and read_at');

select is_empty($$
  select c.relname from pg_class c where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'S'
$$, 'public has no sequence to grant (every id is a uuid); a serial or identity column would need its grant in 0960');

-- every function a policy calls can be executed by the roles the policy is for
select is_empty($$
  select p.tablename || ': ' || p.policyname || ' calls ' || f.name || ' (not executable by ' || r.role || ')'
  from pg_policies p
  cross join lateral (
    select distinct m[1] as name
    from regexp_matches(coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''), '([a-z_]+\.[a-z_]+)\(', 'g') m
  ) f
  cross join lateral unnest(p.roles) r(role)
  where p.schemaname = 'scheduler'
    and (to_regproc(f.name) is null or not has_function_privilege(r.role::text, to_regproc(f.name), 'execute'))
$$, 'every function a policy in public calls is executable by the roles the policy is for');
select ok((
  select count(distinct m[1]) from pg_policies p
  cross join lateral regexp_matches(coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''), '(scheduler_internal\.[a-z_]+)\(', 'g') m
  where p.schemaname = 'scheduler'
) >= 6, 'the policies do call the private predicates (the check above is not vacuous)');

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace = 'scheduler'::regnamespace and has_function_privilege('anon', p.oid, 'execute')
$$, 'anon can execute no function in public (each migration revoked PUBLIC''s execute)');

-- (c) Realtime: a recipient selects their notifications ---------------------

select tests.remember('recipient', tests.create_user('recipient'));
select tests.remember('stranger', tests.create_user('stranger'));
with n as (insert into scheduler.notifications (user_id, title, message) values (tests.fx('recipient'), 'Run failed', 'for good') returning id)
select tests.remember('notification', id) from n;

select ok(exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'scheduler' and tablename = 'notifications'),
  'notifications are published to Realtime');
select ok(has_table_privilege('authenticated', 'scheduler.notifications', 'select'),
  'authenticated may select notifications, which Realtime checks before it streams a row to a subscriber');
select is(tests.outcome_as('recipient', $$select * from scheduler.notifications where id = tests.fx('notification')$$), '1',
  'the recipient reads the notification as authenticated');
select is(tests.outcome_as('stranger', $$select * from scheduler.notifications where id = tests.fx('notification')$$), '0',
  'another user does not see it');
select is(tests.outcome_as('recipient', $$update scheduler.notifications set status = 'read', read_at = now() where id = tests.fx('notification')$$), '1',
  'the recipient marks it read');
select is(tests.outcome_as('recipient', $$update scheduler.notifications set title = 'Run succeeded' where id = tests.fx('notification')$$), '42501',
  'and changes nothing else of it');
select is(tests.outcome_as('anon', $$select * from scheduler.notifications$$), '42501',
  'anon reads no notification');

select * from finish();
rollback;
