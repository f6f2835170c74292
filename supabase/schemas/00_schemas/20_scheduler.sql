-- The scheduler lives in a schema of its own, `scheduler` (its API: tables,
-- views, types and the functions clients call), with internals in
-- `scheduler_internal`, so it never takes a name of the app it is installed
-- into: apps have their own public.profiles, public.tasks, public.events and
-- a `private` schema of their own (pg_cron, pg_net, pgmq and pgflow keep to
-- theirs the same way).

create schema if not exists scheduler;

comment on schema scheduler is 'The task scheduler: tasks, runs, approvals, notifications, events and the functions clients call. Expose it to the Data API to use it from supabase-js: supabase.schema(''scheduler'').';

-- usage lets the API roles name the schema; every table, view and function
-- still needs its own grant, beside its policies
grant usage on schema scheduler to anon, authenticated, service_role;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC, and default
-- privileges cannot take that back for one schema (only for the whole
-- database, which is the app's). So each function's file revokes it and
-- grants who may call it (the basejump pattern); 00_schemas/function_grants
-- in the pgTAP suite fails on a function that PUBLIC may still execute.
