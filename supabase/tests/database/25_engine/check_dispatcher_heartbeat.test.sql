-- scheduler.check_dispatcher_heartbeat, the dead-man check: a recent tick
-- raises no alarm; a silent dispatcher alerts the admins and the owners of
-- due work, once per outage; a dispatcher that never ticked since the
-- install counts as silent; when it claims again, the same people hear so.
-- The tick wakes the dispatcher only when it has work, so with nothing to
-- do it is healthy, and silence counts from when the work fell due.
begin;
\ir ../_helpers/setup.psql
select plan(18);

select tests.seed_users();
-- the database may hold other users' due work (a live project): only the
-- test's own users are judged
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('due', '{"cron": "0 0 1 1 *"}');   -- due at 2031-01-01 00:00
update scheduler.tasks set next_run_at = '2031-01-01 00:04:00+00' where id = tests.fx('due');
update scheduler_internal.dispatcher_heartbeat set last_tick_at = '2031-01-01 00:00:00+00', alerted_at = null, alerted_user_ids = '{}';
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:03:00+00'), false, 'a recent tick raises no alarm');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:10:00+00'), true, 'a silent dispatcher alerts');
select set_eq($$ select user_id from scheduler.notifications where title = 'The scheduler has stopped' and user_id in (select id from tests.fixtures) $$,
  array[tests.fx('admin'), tests.fx('owner')], 'the admins and the owner whose task is due are told, nobody else');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:11:00+00'), false, 'once per outage');
select is((select count(*)::integer from scheduler.notifications where title = 'The scheduler has stopped' and user_id in (select id from tests.fixtures)), 2, 'so nobody is told twice');

-- ticks resume
update scheduler_internal.dispatcher_heartbeat set last_tick_at = '2031-01-01 00:12:00+00';
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:12:30+00'), true, 'a dispatcher that claims again is news too');
select set_eq($$ select user_id from scheduler.notifications where title = 'The scheduler is running again' and user_id in (select id from tests.fixtures) $$,
  array[tests.fx('admin'), tests.fx('owner')], 'for the same people');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:13:00+00'), false, 'once');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:30:00+00'), true, 'a later silence is a new outage');

-- a fresh install whose dispatcher never ticked (say, no Vault entries), and no admin yet
delete from scheduler.notifications;
update scheduler.profiles set role = 'user' where role = 'admin';
update scheduler_internal.dispatcher_heartbeat
set last_tick_at = null, alerted_at = null, alerted_user_ids = '{}', watching_since = '2031-01-01 00:00:00+00';
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:04:00+00'), false, 'a new install gets dead_man_minutes to tick');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:10:00+00'), true, 'then its silence alerts');
select results_eq($$ select user_id, message ~ 'since the scheduler was installed' and message ~ 'Vault' from scheduler.notifications where user_id in (select id from tests.fixtures) $$,
  $$ values (tests.fx('owner'), true) $$, 'the owner of due work is told, without an admin, with what to check');

-- nothing to do (the clock in 2001, before any other data a live database
-- may hold, and the test's task not due): an hour without a claim is healthy
delete from scheduler.notifications;
update scheduler.tasks set next_run_at = '2001-01-01 02:00:00+00' where id = tests.fx('due');
update scheduler_internal.dispatcher_heartbeat
set last_tick_at = '2000-12-31 23:00:00+00', alerted_at = null, alerted_user_ids = '{}', watching_since = '2000-01-01 00:00:00+00';
select is(scheduler.check_dispatcher_heartbeat('2001-01-01 00:00:00+00'), false, 'a dispatcher with nothing to do is healthy, however long since it claimed');
-- then work falls due: silence counts from then, not from the last claim
update scheduler.tasks set next_run_at = '2001-01-01 00:00:00+00' where id = tests.fx('due');
select is(scheduler.check_dispatcher_heartbeat('2001-01-01 00:00:00+00'), false, 'work falling due is not an outage at once');
select is(scheduler.check_dispatcher_heartbeat('2001-01-01 00:04:59+00'), false, 'nor within dead_man_minutes of falling due');
select is(scheduler.check_dispatcher_heartbeat('2001-01-01 00:05:01+00'), true, 'past them, unclaimed, it is');

-- a claim is the beat (taken when no other claim holds the row)
select count(*) from scheduler.claim_due_runs(1, '1990-01-01 00:00:00+00', interval '0', 'heartbeat-test', null);
select is((select last_tick_at from scheduler_internal.dispatcher_heartbeat), '1990-01-01 00:00:00+00'::timestamptz, 'a claim records its time as the dispatcher''s last beat');

select tests.authenticate_as_service_role();
select lives_ok($$ select scheduler.check_dispatcher_heartbeat('2035-01-01 00:00:00+00') $$, 'service_role runs the dead-man check');
select tests.clear_authentication();

select * from finish();
rollback;
