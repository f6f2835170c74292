-- The explicit grants of every view in scheduler (supabase/schemas/
-- 40_views/): select for authenticated and service_role, nothing else,
-- nothing at all for anon.
begin;
\ir ../_helpers/setup.psql

create temp table expected_grants (tbl text not null, role text not null, privileges text[] not null) on commit drop;
insert into expected_grants (tbl, role, privileges) values
  ('task_summary',   'authenticated', '{select}'),
  ('task_summary',   'service_role',  '{select}'),
  ('active_tasks',   'authenticated', '{select}'),
  ('active_tasks',   'service_role',  '{select}'),
  ('recent_events',  'authenticated', '{select}'),
  ('recent_events',  'service_role',  '{select}'),
  ('daily_activity', 'authenticated', '{select}'),
  ('daily_activity', 'service_role',  '{select}');

select plan((select count(*)::int from expected_grants) + 2);

select is(
  tests.privileges_of(c.relacl, c.relowner, e.role::regrole),
  array(select p from unnest(e.privileges) p order by 1),
  format('%s: %s holds %s', e.tbl, e.role, array_to_string(e.privileges, ', ')))
from expected_grants e
left join pg_class c on c.oid = to_regclass('scheduler.' || e.tbl)
order by e.tbl, e.role;

select is_empty($$
  select c.relname || ' for ' || r.role from pg_class c
  cross join (values ('authenticated'), ('service_role')) r(role)
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('v', 'm')
    and not exists (select 1 from expected_grants e where e.tbl = c.relname and e.role = r.role)
  union all
  select e.tbl || ' (in the list, not a view in scheduler)' from expected_grants e
  where to_regclass('scheduler.' || e.tbl) is null
$$, 'the list above names every view in scheduler, for authenticated and for service_role, and only them');

select is_empty($$
  select c.relname || ': anon holds ' || x.privilege_type from pg_class c cross join lateral aclexplode(c.relacl) x
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('v', 'm') and x.grantee = 'anon'::regrole
$$, 'anon holds nothing on any view in scheduler');

select * from finish();
rollback;
