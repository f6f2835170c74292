-- The extensions the scheduler needs. Hosted Supabase lets `postgres` create
-- them; on the local stack they already exist (scripts/sql/bootstrap), so
-- `if not exists` makes this a no-op there.
--   pg_cron   the minute tick (scheduler-tick) and the daily housekeeping
--   pg_net    the tick's call to the dispatcher Edge Function
--   pgcrypto  per-user signing secrets

create extension if not exists pg_cron with schema pg_catalog;

create extension if not exists pg_net with schema extensions;

create extension if not exists pgcrypto with schema extensions;
