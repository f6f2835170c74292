-- foundation: the extensions the scheduler needs, its two schemas, and
-- default privileges that make every new function opt-in.
--
-- the scheduler lives in a schema of its own, `scheduler` (its API: tables,
-- views, types and the functions clients call), with internals in
-- `scheduler_internal`, so it never takes a name of the app it is installed
-- into: apps have their own public.profiles, public.tasks, public.events and
-- a `private` schema of their own (pg_cron, pg_net, pgmq and pgflow keep to
-- theirs the same way). Postgres grants execute on new functions to PUBLIC;
-- we revoke that so each function states who may call it (the basejump
-- pattern).

create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pg_net with schema extensions;
create extension if not exists pgcrypto with schema extensions;

create schema if not exists scheduler;
comment on schema scheduler is 'The task scheduler: tasks, runs, approvals, notifications, events and the functions clients call. Expose it to the Data API to use it from supabase-js: supabase.schema(''scheduler'').';
-- usage lets the API roles name the schema; every table, view and function
-- still needs its own grant, beside its policies
grant usage on schema scheduler to anon, authenticated, service_role;

create schema if not exists scheduler_internal;
comment on schema scheduler_internal is 'Internals of the task scheduler: trigger functions, policy predicates, engine helpers. Not exposed through the API.';
-- policies run as the caller, so authenticated needs usage to reach the
-- predicate helpers; each helper still needs its own execute grant, and
-- scheduler_internal is not in the api's exposed schemas.
revoke all on schema scheduler_internal from public, anon;
grant usage on schema scheduler_internal to authenticated, service_role;

alter default privileges in schema scheduler revoke execute on functions from public;
alter default privileges in schema scheduler revoke execute on functions from anon, authenticated;
alter default privileges in schema scheduler_internal revoke execute on functions from public;
alter default privileges in schema scheduler_internal revoke execute on functions from anon, authenticated;
