-- The explicit grants of every table in scheduler, written beside each
-- table's policies (supabase/schemas/30_tables/): exactly these privileges
-- per API role, anon none at all, and the only column grants the two a
-- recipient needs to mark a notification read. Hosted grants nothing by
-- default (00_schemas/platform), so a table missing here fails the
-- completeness check, and one missing its grant fails its row and the
-- role matrix.
begin;
\ir ../_helpers/setup.psql

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
  ('watchers',            'authenticated', '{select}'),
  ('watchers',            'service_role',  '{select,insert,update,delete}'),
  ('watcher_seen_items',  'authenticated', '{select,delete}'),
  ('watcher_seen_items',  'service_role',  '{select,insert,update,delete}'),
  ('owner_limits',        'authenticated', '{select,insert,update,delete}'),
  ('owner_limits',        'service_role',  '{select,insert,update,delete}'),
  ('mcp_servers',         'authenticated', '{select,insert,update,delete}'),
  ('mcp_servers',         'service_role',  '{select,insert,update,delete}');

select plan((select count(*)::int from expected_grants) + 3);

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
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('r', 'p', 'f')
    and not exists (select 1 from expected_grants e where e.tbl = c.relname and e.role = r.role)
  union all
  select e.tbl || ' (in the list, not a table in scheduler)' from expected_grants e
  where to_regclass('scheduler.' || e.tbl) is null
$$, 'the list above names every table in scheduler, for authenticated and for service_role, and only them');

select is_empty($$
  select c.relname || ': anon holds ' || x.privilege_type from pg_class c cross join lateral aclexplode(c.relacl) x
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind in ('r', 'p', 'f') and x.grantee = 'anon'::regrole
$$, 'anon holds nothing on any table in scheduler');

select set_eq($$
  select c.relname::text, a.attname::text, x.grantee::regrole::text, x.privilege_type::text
  from pg_class c
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  cross join lateral aclexplode(a.attacl) x
  where c.relnamespace = 'scheduler'::regnamespace
    and x.grantee in ('authenticated'::regrole, 'service_role'::regrole)
$$, $$ values ('notifications', 'status', 'authenticated', 'UPDATE'), ('notifications', 'read_at', 'authenticated', 'UPDATE') $$,
  'the only column grants: a recipient updates a notification''s status and read_at');

select * from finish();
rollback;
