-- Extensions that hosted Supabase offers but only a superuser can create
-- here (hosted Supabase lets postgres create them through supautils). The
-- migrations still say `create extension if not exists ...`, which is then a
-- no-op, so they deploy unchanged.
--   pg_cron   real extension, Debian package postgresql-15-cron
--   pgtap     real extension, used by `supabase test db`
--   pg_net    LOCAL STAND-IN, see scripts/pg-net/
--   supabase_vault  LOCAL STAND-IN, see scripts/vault/

create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres with grant option;
grant all on all tables in schema cron to postgres with grant option;
grant all on all sequences in schema cron to postgres with grant option;
grant execute on all functions in schema cron to postgres with grant option;
-- as on hosted (supabase/postgres, migration 20231020085357): postgres reads
-- cron.job but changes it only through cron.schedule / cron.unschedule
revoke all on table cron.job from postgres;
grant select on table cron.job to postgres with grant option;
-- and may not hang triggers on cron.job_run_details (supabase/postgres,
-- migration 20260730000000_revoke_trigger_on_cron_tables_from_postgres)
revoke trigger on table cron.job_run_details from postgres;

create extension if not exists pgtap with schema extensions;
create extension if not exists plpgsql_check with schema extensions;
