-- LOCAL STAND-IN for the roles a hosted Supabase database is created with
-- (supabase/postgres init scripts). Runs as the cluster superuser
-- supabase_admin, once per cluster, before any migration. Idempotent.
--
-- The point is fidelity: hosted `postgres` is NOT a superuser, so a migration
-- that only works as superuser must fail here too.

do $$
declare
  v_role record;
begin
  for v_role in
    select * from (values
      ('anon',                        'nologin noinherit'),
      ('authenticated',               'nologin noinherit'),
      ('service_role',                'nologin noinherit bypassrls'),
      ('authenticator',               'login noinherit'),
      ('postgres',                    'login createrole createdb replication bypassrls'),
      ('dashboard_user',              'nologin createrole createdb replication'),
      ('pgbouncer',                   'login'),
      ('supabase_auth_admin',         'login noinherit createrole'),
      ('supabase_storage_admin',      'login noinherit createrole'),
      ('supabase_replication_admin',  'login replication'),
      ('supabase_read_only_user',     'login bypassrls'),
      ('supabase_realtime_admin',     'nologin noinherit'),
      ('supabase_functions_admin',    'login noinherit createrole')
    ) as r(name, attrs)
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = v_role.name) then
      execute format('create role %I %s', v_role.name, v_role.attrs);
    end if;
  end loop;
end
$$;

-- demote postgres exactly as hosted Supabase does, in case an older local
-- cluster made it a superuser
alter role postgres nosuperuser createrole createdb replication bypassrls login password 'postgres';
alter role authenticator password 'postgres';
alter role supabase_admin superuser createdb createrole replication bypassrls password 'postgres';

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;
grant pg_read_all_data to supabase_read_only_user;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
