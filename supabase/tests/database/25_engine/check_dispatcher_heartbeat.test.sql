-- scheduler.check_dispatcher_heartbeat, the dead-man check: a recent tick
-- raises no alarm; a silent dispatcher alerts the admins, once per outage.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
update scheduler_internal.dispatcher_heartbeat set last_tick_at = '2031-01-01 00:00:00+00', alerted_at = null;
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:03:00+00'), false, 'a recent tick raises no alarm');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:10:00+00'), true, 'a silent dispatcher alerts the admins');
select ok(exists (select 1 from scheduler.notifications where user_id = tests.fx('admin') and title = 'The scheduler has stopped'),
  'each admin is told');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:11:00+00'), false, 'once per outage');
select tests.authenticate_as_service_role();
select lives_ok($$ select scheduler.check_dispatcher_heartbeat('2035-01-01 00:00:00+00') $$, 'service_role runs the dead-man check');
select tests.clear_authentication();

select * from finish();
rollback;
