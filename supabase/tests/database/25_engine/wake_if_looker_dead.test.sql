-- scheduler_internal.wake_if_looker_dead, the watchdog (pg_cron job
-- scheduler-watchdog): a dispatcher that should still be looking but is more
-- than 2 s late for its own planned look has died, and a dispatch is asked
-- for now (debounced by request_dispatch); a looker on time, one that
-- stopped, and one whose stay has ended are left alone. Clock pinned in 2035
-- (request_dispatch reads it; the watchdog is given the same instant). A
-- dispatcher asked for (the tick's request, a wake) that never planned is
-- taken for dead too.
begin;
\ir ../_helpers/setup.psql
select plan(14);

set local scheduler.now = '2035-03-01 04:00:00+00';
-- the one plan row, as the live stack left it, replaced within this test
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
-- the live stack's tick requests are years older than this test's clock
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
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = '2035-03-01 04:00:04+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:00:05+00'), false, 'a looker that stopped (nothing due) is not woken every 10 s');

-- the tick asked for a dispatcher at 04:01:00; nobody has planned since
set local scheduler.now = '2035-03-01 04:01:04+00';
insert into scheduler_internal.dispatcher_requests (request_id, created_at)
values ((select coalesce(max(request_id), 0) + 1000000 from scheduler_internal.dispatcher_requests), '2035-03-01 04:01:00+00');
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:01:04+00'), false, 'a dispatcher the tick asked for 4 s ago is given time to plan');
update scheduler_internal.dispatcher_looks set planned_at = '2035-03-01 04:01:01+00';
set local scheduler.now = '2035-03-01 04:01:10+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:01:10+00'), false, 'one that planned since (and stopped: nothing due) is not woken');
update scheduler_internal.dispatcher_looks set planned_at = '2035-03-01 04:00:04+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:01:10+00'), true,
  'one asked for 10 s ago that never planned died before its first plan (it never named itself as looker): a dispatch is requested');
select is((select last_reason from scheduler_internal.dispatcher_wakes), 'watchdog: no dispatcher planned since one was asked for', 'saying why');

-- the same, with a wake recorded on a clock years ahead of this one: it
-- does not hide the tick's request
update scheduler_internal.dispatcher_wakes set last_wake_at = '2041-06-01 00:00:00+00';
insert into scheduler_internal.dispatcher_requests (request_id, created_at)
values ((select coalesce(max(request_id), 0) + 1000000 from scheduler_internal.dispatcher_requests), '2035-03-01 04:02:00+00');
set local scheduler.now = '2035-03-01 04:02:10+00';
select is(scheduler_internal.wake_if_looker_dead('2035-03-01 04:02:10+00'), true,
  'a wake recorded years after now (a clock ahead) says nothing of when a dispatcher was asked for: the tick''s unanswered request still gets one');

select throws_ok($$ select scheduler_internal.wake_if_looker_dead(null) $$, '22023', 'wake_if_looker_dead: p_now is required',
  'p_now is required');

select * from finish();
rollback;
