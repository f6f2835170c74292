-- The conventions both schemas keep, checked on the catalog so that a new
-- table, view, policy or function that forgets one fails here: RLS on
-- every table, policies aimed at explicit roles and written with
-- (select auth.uid()), foreign keys indexed, views security_invoker,
-- search_path pinned, anon locked out of tables, columns and functions,
-- and every function a policy calls executable by the roles it is for.
-- (updated_at and the audit trigger: 24_triggers; the grants of each table
-- and view: 30_tables/grants, 40_views/grants; of each function:
-- 00_schemas/function_grants.)
begin;
\ir ../_helpers/setup.psql
select plan(17);

-- row level security and policies
select is_empty($$
  select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('scheduler', 'scheduler_internal') and c.relkind in ('r', 'p') and not c.relrowsecurity
$$, 'RLS is enabled on every table in scheduler and scheduler_internal');
select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'r' and c.relrowsecurity
    and not exists (select 1 from pg_policies p where p.schemaname = 'scheduler' and p.tablename = c.relname)
$$, 'every table in scheduler has at least one policy');
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
$$, 'every function a policy in scheduler calls is executable by the roles the policy is for');
select ok((
  select count(distinct m[1]) from pg_policies p
  cross join lateral regexp_matches(coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''), '(scheduler_internal\.[a-z_]+)\(', 'g') m
  where p.schemaname = 'scheduler'
) >= 6, 'the policies do call the scheduler_internal predicates (the check above is not vacuous)');

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
$$, 'every foreign key in scheduler and scheduler_internal is covered by an index');

-- views run with the caller's rights, so RLS applies through them
select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'v'
    and not coalesce('security_invoker=true' = any (c.reloptions), false)
$$, 'every view in scheduler is security_invoker');

-- functions
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('scheduler', 'scheduler_internal')
    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
$$, 'every function in scheduler and scheduler_internal pins its search_path');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('scheduler', 'scheduler_internal') and p.prosecdef
    and has_function_privilege('anon', p.oid, 'execute')
$$, 'no security definer function in scheduler or scheduler_internal is callable by anon');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace = 'scheduler'::regnamespace and has_function_privilege('anon', p.oid, 'execute')
$$, 'anon can execute no function in scheduler (each definition revokes PUBLIC''s execute)');

-- anon: nothing on any table, view, sequence or column
select is_empty($$
  select c.relname || ' ' || p.privilege from pg_class c
  cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate'), ('references'), ('trigger')) p(privilege)
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('r', 'v', 'm', 'p')
    and has_table_privilege('anon', c.oid, p.privilege)
$$, 'anon holds no privilege on any table or view in scheduler');
select is_empty($$
  select c.relname || ': ' || x.privilege_type || ' to ' || case x.grantee when 0 then 'PUBLIC' else 'anon' end
  from pg_class c cross join lateral aclexplode(c.relacl) x
  where c.relnamespace in ('scheduler'::regnamespace, 'scheduler_internal'::regnamespace)
    and c.relacl is not null and x.grantee in (0, 'anon'::regrole)
  union all
  select c.relname || '.' || a.attname || ': ' || x.privilege_type || ' to ' || case x.grantee when 0 then 'PUBLIC' else 'anon' end
  from pg_class c
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  cross join lateral aclexplode(a.attacl) x
  where c.relnamespace in ('scheduler'::regnamespace, 'scheduler_internal'::regnamespace)
    and a.attacl is not null and x.grantee in (0, 'anon'::regrole)
$$, 'anon and PUBLIC hold no privilege on any table, view, sequence or column in scheduler or scheduler_internal');
select is_empty($$
  select c.relname from pg_class c where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'S'
$$, 'scheduler has no sequence to grant (every id is a uuid); a serial or identity column would need its grant');
select ok(not has_schema_privilege('anon', 'scheduler_internal', 'usage'), 'anon cannot even look into scheduler_internal');

select * from finish();
rollback;
