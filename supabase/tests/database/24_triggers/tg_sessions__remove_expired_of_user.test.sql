-- scheduler_internal.tg_sessions__remove_expired_of_user: a new session
-- sweeps the same user's expired ones (the daily sweep of everyone's is
-- 27_housekeeping/cleanup_expired_sessions).
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.seed_users();
insert into scheduler.sessions (user_id, token, expires_at) values
  (tests.fx('owner'), 'old-1', '2026-01-01'), (tests.fx('owner'), 'old-2', '2026-01-02'), (tests.fx('admin'), 'old-admin', '2026-01-01');
insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('owner'), 'fresh', now() + interval '1 hour');
select is((select count(*)::int from scheduler.sessions where user_id = tests.fx('owner')), 1, 'a new session removes the same user''s expired sessions');
select is((select count(*)::int from scheduler.sessions where user_id = tests.fx('admin')), 1, 'and leaves other users'' sessions alone');

select * from finish();
rollback;
