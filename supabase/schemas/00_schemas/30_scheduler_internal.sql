-- Internals: trigger functions, policy predicates, engine helpers and the
-- engine's own tables. Not exposed through the Data API.

create schema if not exists scheduler_internal;

comment on schema scheduler_internal is 'Internals of the task scheduler: trigger functions, policy predicates, engine helpers. Not exposed through the API.';

-- policies run as the caller, so authenticated needs usage to reach the
-- predicate helpers; each helper still needs its own execute grant, and
-- scheduler_internal is not in the api's exposed schemas.
revoke all on schema scheduler_internal from public, anon;

grant usage on schema scheduler_internal to authenticated, service_role;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC, and default
-- privileges cannot take that back for one schema (only for the whole
-- database, which is the app's). So each function's file revokes it and
-- grants who may call it (the basejump pattern); 00_schemas/function_grants
-- in the pgTAP suite fails on a function that PUBLIC may still execute.
