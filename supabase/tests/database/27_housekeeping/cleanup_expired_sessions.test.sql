-- scheduler.cleanup_expired_sessions, the daily sweep: removes what expired
-- before p_now, of every user (a new session sweeps its own user's:
-- 24_triggers/tg_sessions__remove_expired_of_user).
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.seed_users();
insert into scheduler.sessions (user_id, token, expires_at) values
  (tests.fx('owner'), 'old-1', '2040-01-01'), (tests.fx('admin'), 'old-admin', '2040-01-01'),
  (tests.fx('other'), 'later', '2040-07-01');
select is(scheduler.cleanup_expired_sessions('2040-06-01'), 2, 'cleanup_expired_sessions removes what expired before p_now');
select set_eq($$ select token from scheduler.sessions where user_id in (tests.fx('owner'), tests.fx('admin'), tests.fx('other')) $$,
  array['later'], 'and keeps what expires later');

select * from finish();
rollback;
