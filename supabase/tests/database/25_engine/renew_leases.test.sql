-- scheduler.renew_leases, the heartbeat of the action functions: a started
-- run's lease is heartbeat_lease (15 s) from its start, not its timeout;
-- each beat moves it to p_now + heartbeat_lease, never past start_time +
-- timeout_seconds + lease_margin and never back; only the beating worker's
-- running runs are renewed; a run whose worker stops beating is reaped
-- heartbeat_lease after its last beat, whatever its timeout. Clock pinned in
-- 2036.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
set local scheduler.now = '2036-01-01 00:00:00+00';

select tests.mk_task('long', '{"timeout": 60}');
select scheduler.run_task_now(tests.fx('long'), '2036-01-01 01:00:00+00');
select tests.claim('2036-01-01 01:00:00+00');
select is(tests.gate(tests.run_of('long', '2036-01-01 01:00:00+00'), '2036-01-01 01:00:00+00'), 'started', 'a run of a task with a 60 s timeout starts');
select is((select lease_expires_at from scheduler.task_runs where id = tests.run_of('long', '2036-01-01 01:00:00+00')), '2036-01-01 01:00:15+00',
  'its first lease is heartbeat_lease (15 s), not timeout_seconds + lease_margin');

select results_eq($$ select run_id, lease_expires_at from scheduler.renew_leases(array[tests.run_of('long', '2036-01-01 01:00:00+00')], 'w1', '2036-01-01 01:00:05+00') $$,
  $$ values (tests.run_of('long', '2036-01-01 01:00:00+00'), '2036-01-01 01:00:20+00'::timestamptz) $$,
  'a beat 5 s in moves the lease to p_now + 15 s and answers the run with its lease');
select is_empty($$ select 1 from scheduler.renew_leases(array[tests.run_of('long', '2036-01-01 01:00:00+00')], 'someone-else', '2036-01-01 01:00:10+00') $$,
  'another worker cannot renew it');
select is((select lease_expires_at from scheduler.task_runs where id = tests.run_of('long', '2036-01-01 01:00:00+00')), '2036-01-01 01:00:20+00',
  'and its lease is unchanged');
select is((select lease_expires_at from scheduler.renew_leases(array[tests.run_of('long', '2036-01-01 01:00:00+00')], 'w1', '2036-01-01 01:00:01+00')), '2036-01-01 01:00:20+00'::timestamptz,
  'a late beat with an older clock never shortens the lease');
select is_empty($$ select 1 from scheduler.reap_expired_leases('2036-01-01 01:00:19+00') r where r.run_id = tests.run_of('long', '2036-01-01 01:00:00+00') $$,
  'a run whose worker beats is not reaped');

-- beating on: 50 s in, the lease still moves
select is((select lease_expires_at from scheduler.renew_leases(array[tests.run_of('long', '2036-01-01 01:00:00+00')], 'w1', '2036-01-01 01:00:50+00')), '2036-01-01 01:01:05+00'::timestamptz,
  'a long run stays leased as long as its worker beats');
-- past the timeout, the beat reaches no further than timeout + lease_margin
select is((select lease_expires_at from scheduler.renew_leases(array[tests.run_of('long', '2036-01-01 01:00:00+00')], 'w1', '2036-01-01 01:01:05+00')), '2036-01-01 01:01:15+00'::timestamptz,
  'but never past start_time + timeout_seconds + lease_margin (15 s)');

-- a claimed run (not started) is not this heartbeat's
select tests.mk_task('waiting');
select scheduler.run_task_now(tests.fx('waiting'), '2036-01-01 02:00:00+00');
select tests.claim('2036-01-01 02:00:00+00');
select is_empty($$ select 1 from scheduler.renew_leases(array[tests.run_of('waiting', '2036-01-01 02:00:00+00')], 'w1', '2036-01-01 02:00:01+00') $$,
  'a claimed run nobody started is not renewed (its lease is start_grace)');

-- a worker that stops beating: reaped 15 s after its last beat
select tests.gate(tests.run_of('waiting', '2036-01-01 02:00:00+00'), '2036-01-01 02:00:00+00');
select scheduler.renew_leases(array[tests.run_of('waiting', '2036-01-01 02:00:00+00')], 'w1', '2036-01-01 02:00:05+00');
select ok(exists (select 1 from scheduler.reap_expired_leases('2036-01-01 02:00:21+00') r where r.run_id = tests.run_of('waiting', '2036-01-01 02:00:00+00')),
  'a run whose worker went quiet is reaped heartbeat_lease after its last beat');

select throws_ok($$ select * from scheduler.renew_leases(null, 'w1', '2036-01-01 02:00:00+00') $$, '22023',
  'renew_leases: p_run_ids, p_worker and p_now are required', 'the ids, the worker and the clock are required');

select * from finish();
rollback;
