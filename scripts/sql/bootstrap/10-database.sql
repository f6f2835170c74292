-- LOCAL STAND-IN for what every hosted Supabase database has before the
-- project's first migration: schemas, default grants, the auth surface the
-- API relies on, and the realtime publication. Runs as supabase_admin in each
-- database (dev, test, bench). Idempotent.
--
-- Default privileges in public mirror hosted Supabase since 2026-10-30, when
-- "Tables not exposed to Data and GraphQL API automatically" reached every
-- project (changelog 45329,
-- https://supabase.com/changelog/45329-breaking-change-tables-not-exposed-to-data-and-graphql-api-automatically).
-- Projects still start with `grant all` on tables, functions and sequences
-- in public for the API roles, as before (supabase/postgres,
-- migrations/db/init-scripts/00000000000000-initial-schema.sql, for
-- supabase_admin; the same for postgres); the platform then revokes, for
-- objects postgres creates in public, exactly what the Data API uses. These
-- are the statements of the docs' opt-in ("Securing your
-- API", "Default privileges for new tables and functions",
-- https://supabase.com/docs/guides/api/securing-your-api) and of Studio's
-- "Default privileges for new entities" switch when off (supabase/supabase,
-- packages/pg-meta/src/sql/studio/database/privileges.ts,
-- buildDefaultPrivilegesSql('revoke')), which project creation now asks the
-- platform for (data_api_revoke_default_privileges, supabase/supabase#45683).
-- What a migration running as postgres then gets in public:
--   table or view  anon, authenticated, service_role: truncate, references
--                  and trigger only (the Data API uses none of them); no
--                  select, insert, update or delete
--   sequence       the API roles: update only; no usage or select
--   function       the API roles: nothing; PUBLIC keeps execute, because a
--                  schema-scoped default can only add to the built-in one
--                  (so every migration revokes execute from public itself)
-- A test (supabase/tests/database/150-explicit-grants.test.sql) holds this
-- file to that. supabase_admin's own defaults below are kept as on hosted:
-- they cover only what supabase_admin creates in public (no migration does),
-- and postgres cannot change them there either.

alter database postgres owner to postgres;
alter schema public owner to pg_database_owner;
grant usage on schema public to postgres, anon, authenticated, service_role;
grant all on schema public to postgres;

-- what every project starts with in public ...
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
-- ... and what hosted takes back since 2026-10-30, statement for statement
-- (the last one changes nothing, on hosted as here: see the header)
alter default privileges for role postgres in schema public revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public revoke execute on functions from anon, authenticated, service_role;
alter default privileges for role postgres in schema public revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public revoke execute on functions from public;
alter default privileges for role supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;

create schema if not exists extensions;
alter schema extensions owner to postgres;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
alter publication supabase_realtime owner to postgres;

alter role postgres set search_path = "$user", public, extensions;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
