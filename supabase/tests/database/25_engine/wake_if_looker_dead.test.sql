-- scheduler_internal.wake_if_looker_dead, the watchdog (pg_cron job
-- scheduler-watchdog): a dispatcher that should still be looking but is more
-- than 2 s late for its own planned look has died, and a dispatch is asked
-- for now (debounced by request_dispatch); a looker on time, one that
-- stopped, and one whose stay has ended are left alone. Clock pinned in 2035
-- (request_dispatch reads it; the watchdog is given the same instant).
begin;
\ir ../_helpers/setup.psql
select plan(9);

set local scheduler.now = '2035-03-01 04:00:00+00';
-- the one plan row, as the live stack left it, replaced within this test
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
select tests.dispatcher_wakes() as wakes_before \gset

-- a looker on time: its next look is now, or a moment ago
update scheduler_internal.dispatcher_looks
set looker = 'd1', awake_until = '2035-03-01 04:00:50+00', next_look_at = '2035-03-01 03:59:59+00', planned_at = '2035-03-01 03:59:45+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:00+00'), false, 'a looker at most 2 s late for its look is taken for alive: nobody is woken');
select is(tests.dispatcher_wakes() - :wakes_before, 0, 'and no wake is queued');

-- the same looker, killed: its look is 10 s overdue and it stays till :50
update scheduler_internal.dispatcher_looks set next_look_at = '2035-03-01 03:59:50+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:00+00'), true, 'a looker 10 s late for its own look, still meant to be awake, has died: a dispatch is requested');
select is(tests.dispatcher_wakes() - :wakes_before, 1, 'one wake is queued through pg_net');
select is((select last_reason from scheduler_internal.dispatcher_wakes), 'watchdog: looker overdue', 'the wake says why');

set local scheduler.now = '2035-03-01 04:00:05+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:05+00'), false,
  'the next check before any dispatcher has planned sends no second wake (debounced)');

-- a looker whose stay ended (the next minute's tick covers that), and one
-- that stopped because nothing was due (it cleared the row)
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
update scheduler_internal.dispatcher_looks set awake_until = '2035-03-01 04:00:04+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:05+00'), false, 'a looker whose stay has ended is left to the tick');
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null;
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:05+00'), false, 'a looker that stopped (nothing due) is not woken every 10 s');

select throws_ok($$ select scheduler_internal.wake_if_looker_dead(null) $$, '22023', 'wake_if_looker_dead: p_now is required',
  'p_now is required');

select * from finish();
rollback;
