-- The platform every schema relies on, on hosted Supabase and on the local
-- stand-in alike: auth.uid(), auth.role() and auth.jwt() follow
-- request.jwt.claims as PostgREST sets them; postgres is not a superuser;
-- and, as hosted has it since 2026-10-30 (changelog 45329), a table, view,
-- sequence or function a migration creates is reachable by anon,
-- authenticated and service_role only through what the migration grants
-- them, so the grant tests (30_tables/grants, 40_views/grants) and the role
-- matrices pass only because of the explicit grants. pg_cron as hosted:
-- postgres reads cron.job and changes it only through cron.schedule.
begin;
\ir ../_helpers/setup.psql
select plan(16);

-- auth.uid(), auth.role(), auth.jwt()
select is(auth.uid(), null, 'auth.uid() is null without claims');
set local request.jwt.claims = '{"sub": "8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c", "role": "authenticated", "email": "ada@example.com"}';
select is(auth.uid(), '8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c'::uuid, 'auth.uid() reads sub from request.jwt.claims');
select is(auth.role(), 'authenticated', 'auth.role() reads role from request.jwt.claims');
select is(auth.jwt() ->> 'email', 'ada@example.com', 'auth.jwt() returns the whole claims object');
set local request.jwt.claims = '{"sub": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "role": "service_role"}';
select is(auth.uid(), '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'::uuid, 'auth.uid() follows a change of claims within the transaction');
select is(auth.role(), 'service_role', 'auth.role() follows a change of claims');
set local request.jwt.claims = '';

-- the roles
select ok(not (select rolsuper from pg_catalog.pg_roles where rolname = 'postgres'), 'postgres is not a superuser, as on hosted Supabase');
select ok((select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role'), 'service_role bypasses row level security');

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
-- creates them (as postgres, in public); gone with the rollback
create table public.grants_probe (id integer primary key);
create view public.grants_probe_view with (security_invoker = true) as select id from public.grants_probe;
create sequence public.grants_probe_seq;
create function public.grants_probe_fn() returns integer language sql set search_path = '' as $$ select 1 $$;

select set_eq($$
  select c.relname::text, r.rolname::text, p
  from pg_class c
  cross join (select oid, rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) r
  cross join lateral unnest(tests.privileges_of(c.relacl, c.relowner, r.oid)) p
  where c.oid in ('public.grants_probe'::regclass, 'public.grants_probe_view'::regclass)
$$, $$
  select t, r, p
  from (values ('grants_probe'), ('grants_probe_view')) t(t)
  cross join (values ('anon'), ('authenticated'), ('service_role')) r(r)
  cross join (values ('truncate'), ('references'), ('trigger')) p(p)
$$, 'a new table or view in public gives the API roles truncate, references and trigger only, as hosted leaves them: nothing the Data API uses');

select is(tests.privileges_of(c.relacl, c.relowner, null), '{}', 'and nothing to PUBLIC')
from pg_class c where c.oid = 'public.grants_probe'::regclass;

select tests.create_user('prober');
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
  'a new function in public grants the API roles nothing of their own; PUBLIC keeps execute, as on hosted (so each definition revokes it)');

-- pg_cron, as hosted: postgres reads cron.job and changes it only through
-- cron.schedule, and hangs no triggers on cron.job_run_details
select is(tests.privileges_of(c.relacl, c.relowner, 'postgres'::regrole), '{select with grant option}',
  'postgres holds only select on cron.job')
from pg_class c where c.oid = 'cron.job'::regclass;
select ok(not has_table_privilege('postgres', 'cron.job_run_details', 'trigger'),
  'postgres holds no trigger privilege on cron.job_run_details');

select * from finish();
rollback;
