-- scheduler_internal.request_dispatch and wake_dispatcher, through the
-- triggers that call them: writes that make work due before anyone looks
-- wake one dispatcher through pg_net, debounced; a write due while a
-- dispatcher will look in time wakes nobody; a looker late for its own
-- look is taken for dead.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select tests.seed_users();
set local scheduler.now = '2035-01-01 02:00:00+00';
-- start from a quiet dispatcher state, whatever the live stack did
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
update scheduler_internal.dispatcher_wakes set last_wake_at = null;

select tests.mk_task('burst', '{"overlap": "allow"}');
select tests.dispatcher_wakes() as wakes_before \gset
select scheduler.run_task_now(tests.fx('burst'), '2035-01-01 02:00:00+00') from generate_series(1, 5);
select is(tests.dispatcher_wakes() - :wakes_before, 1, 'a burst of five run-now calls wakes the dispatcher once');
select scheduler.plan_next_look('d1', '2035-01-01 02:00:01+00', '2035-01-01 02:01:00+00');
select scheduler.run_task_now(tests.fx('burst'), '2035-01-01 02:00:05+00');
select is(tests.dispatcher_wakes() - :wakes_before, 1, 'while a dispatcher will look a second or more before the run is due, nobody else is woken');
update scheduler_internal.dispatcher_looks set next_look_at = '2035-01-01 02:00:40+00';
select tests.mk_task('soon', '{"run_at": "2035-01-01 02:00:05+00"}');
select is(tests.dispatcher_wakes() - :wakes_before, 2, 'a task created 5 s before its first due time wakes a dispatcher when the looking one would be late');
select tests.mk_task('next_hour', '{"run_at": "2035-01-01 03:00:00+00"}');
select is(tests.dispatcher_wakes() - :wakes_before, 2, 'a task due after the next tick wakes nobody');
-- a looker that missed its own look (its worker was killed) is not trusted
update scheduler_internal.dispatcher_looks set next_look_at = '2035-01-01 01:59:50+00', awake_until = '2035-01-01 02:01:00+00';
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
select tests.mk_task('after_a_dead_looker', '{"run_at": "2035-01-01 02:00:20+00"}');
select is(tests.dispatcher_wakes() - :wakes_before, 3, 'a looker ten seconds late for its own look is taken for dead: the write wakes another');

-- a wake recorded on a clock ahead of this one (a transaction that pinned
-- scheduler.now years ahead and committed, as a test against a shared
-- database can) debounces nothing: the next write due soon wakes a dispatcher
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = '2035-01-01 01:59:00+00';
update scheduler_internal.dispatcher_wakes set last_wake_at = '2041-06-01 00:00:00+00';
select tests.mk_task('after_a_wake_from_the_future', '{"run_at": "2035-01-01 02:00:20+00"}');
select is(tests.dispatcher_wakes() - :wakes_before, 4, 'a wake recorded years after now (a clock ahead of this one) does not debounce: the write wakes a dispatcher');
select is((select last_wake_at from scheduler_internal.dispatcher_wakes), '2035-01-01 02:00:00+00'::timestamptz, 'and the wake it records is on this clock, so the debounce works again from here');
-- a wake a moment after this transaction's now is a writer whose
-- transaction began later: it still debounces
update scheduler_internal.dispatcher_wakes set last_wake_at = '2035-01-01 02:00:03+00';
select tests.mk_task('after_a_wake_moments_ahead', '{"run_at": "2035-01-01 02:00:25+00"}');
select is(tests.dispatcher_wakes() - :wakes_before, 4, 'a wake recorded 3 s after now (a writer whose transaction began later) still debounces');

select * from finish();
rollback;
