-- foundation: the extensions the scheduler needs, the private schema for its
-- internals, and default privileges that make every new function opt-in.
--
-- hosted supabase grants execute on new functions in public to anon and
-- authenticated by default; we revoke that so each function states who may
-- call it (the basejump pattern).

create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pg_net with schema extensions;
create extension if not exists pgcrypto with schema extensions;

create schema if not exists private;
comment on schema private is 'Internals of the task scheduler: trigger functions, policy predicates, engine helpers. Not exposed through the API.';
-- policies run as the caller, so authenticated needs usage to reach the
-- predicate helpers; each helper still needs its own execute grant, and
-- private is not in the api's exposed schemas.
revoke all on schema private from public, anon;
grant usage on schema private to authenticated, service_role;

alter default privileges in schema public revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated;
alter default privileges in schema private revoke execute on functions from public;
alter default privileges in schema private revoke execute on functions from anon, authenticated;
