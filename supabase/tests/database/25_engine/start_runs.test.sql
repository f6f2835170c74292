-- scheduler.start_runs, the start gate (docs/dispatch.md): runs are claimed
-- ahead only by the lookahead and come back claimed, nothing sent; the
-- gate starts a run once, for its own worker, and judges pause, cancel,
-- lateness and overlap at the run's second. Clock pinned in 2035.
begin;
\ir ../_helpers/setup.psql
select plan(23);

select tests.seed_users();
set local scheduler.now = '2035-01-01 00:00:00+00';

-- the claim hands over, the gate starts
select tests.mk_task('minutely', '{"every": "1 minute"}');
select is((select count(*)::int from tests.claim('2035-01-01 00:00:49+00')), 0, 'nothing is claimed earlier than the lookahead (10 s) before its due time');
select is((select count(*)::int from tests.claim('2035-01-01 00:00:51+00')), 1, 'a run due within the lookahead is claimed');
select is((select status::text || ' ' || coalesce(start_time::text, 'no start') || ' ' || locked_by from scheduler.task_runs where id = tests.run_of('minutely', '2035-01-01 00:01:00+00')),
  'claimed no start w1', 'it is claimed, not running: nothing is sent before the gate starts it');
select is((select lease_expires_at from scheduler.task_runs where id = tests.run_of('minutely', '2035-01-01 00:01:00+00')), '2035-01-01 00:01:30+00',
  'a claimed run must start within start_grace (30 s) of its due time');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00', 'someone-else'), 'not_claimed',
  'another worker''s gate cannot start it');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00'), 'started', 'its own worker starts it at its second');
select is((select status::text || ' ' || start_time || ' ' || lease_expires_at from scheduler.task_runs where id = tests.run_of('minutely', '2035-01-01 00:01:00+00')),
  'running 2035-01-01 00:01:00+00 2035-01-01 00:01:15+00', 'started now, leased for heartbeat_lease (15 s), not its timeout: its action renews the lease (renew_leases)');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00', 'someone-else'), 'not_claimed', 'a run starts once: no other worker can start it again');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:01+00'), 'started',
  'its own worker asking again (an answer lost) is told it started, so it still executes it');
select is((select start_time from scheduler.task_runs where id = tests.run_of('minutely', '2035-01-01 00:01:00+00')), '2035-01-01 00:01:00+00',
  'and the run keeps its first start');

-- overlap is judged at the next run's own second: claimed while the first
-- runs, started because the first ended before its second
select tests.claim('2035-01-01 00:01:52+00');
select is(tests.finish_run(tests.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:58+00'), 'completed', 'the first run ends');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:02:00+00'), '2035-01-01 00:02:00+00'), 'started',
  'the next minute, claimed while the first ran, starts: overlap is judged at its second, not at the claim');
select tests.claim('2035-01-01 00:02:52+00');
select is(tests.gate(tests.run_of('minutely', '2035-01-01 00:03:00+00'), '2035-01-01 00:03:00+00'), 'skipped',
  'while a run is still going at the next one''s second, overlap skip skips it');

-- skips in a row fold into one row
select tests.claim('2035-01-01 00:03:52+00');
select tests.gate(tests.run_of('minutely', '2035-01-01 00:04:00+00'), '2035-01-01 00:04:00+00');
select tests.claim('2035-01-01 00:04:52+00');
select tests.gate(tests.run_of('minutely', '2035-01-01 00:05:00+00'), '2035-01-01 00:05:00+00');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('minutely') and status = 'skipped'), 1,
  'three skips in a row are one skipped row');
select is((select log_summary from scheduler.task_runs where task_id = tests.fx('minutely') and status = 'skipped'),
  '{"skipped_occurrences": 3, "last_scheduled_time": "2035-01-01T00:05:00+00:00"}'::jsonb, 'which counts them and names the last');

-- cancel and pause reach a claimed run
select tests.mk_task('cancel_me');
select scheduler.run_task_now(tests.fx('cancel_me'), '2035-01-01 00:10:00+00');
select tests.claim('2035-01-01 00:10:00+00');
select scheduler.cancel_run(tests.run_of('cancel_me', '2035-01-01 00:10:00+00'), '2035-01-01 00:10:00.1+00');
select is(tests.gate(tests.run_of('cancel_me', '2035-01-01 00:10:00+00'), '2035-01-01 00:10:00.2+00'), 'not_claimed',
  'a claimed run cancelled before its second is not started');
select is((select status::text from scheduler.task_runs where id = tests.run_of('cancel_me', '2035-01-01 00:10:00+00')), 'cancelled', 'and stays cancelled');
select tests.mk_task('pause_me', '{"every": "1 minute"}');
select tests.claim('2035-01-01 00:00:55+00');
update scheduler.tasks set is_active = false where id = tests.fx('pause_me');
select is(tests.gate(tests.run_of('pause_me', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00'), 'cancelled', 'pausing the task stops a claimed run');
select is((select error_message from scheduler.task_runs where id = tests.run_of('pause_me', '2035-01-01 00:01:00+00')),
  'cancelled: the task was paused before this run started', 'and says why');

-- lateness is judged against the due time at the gate
select tests.mk_task('late_skip', '{"run_at": "2035-01-01 00:20:00+00", "misfire": "skip"}');
select tests.mk_task('late_once', '{"run_at": "2035-01-01 00:20:00+00", "misfire": "run_once"}');
select tests.claim('2035-01-01 00:19:55+00');
select is(tests.gate(tests.run_of('late_skip', '2035-01-01 00:20:00+00'), '2035-01-01 00:23:00+00'), 'skipped',
  'a run that could start only after misfire_grace is skipped under misfire_policy skip');
select is((select error_message from scheduler.task_runs where id = tests.run_of('late_skip', '2035-01-01 00:20:00+00')),
  'skipped: it could start only 00:03:00 after its due time, later than misfire_grace (misfire_policy skip)', 'with its lateness');
select is(tests.gate(tests.run_of('late_once', '2035-01-01 00:20:00+00'), '2035-01-01 00:23:00+00'), 'started', 'and runs under run_once');

-- a run approved twenty minutes late, under misfire_policy skip, still
-- starts: a person's delay is not a misfire
select tests.mk_task('guarded', '{"run_at": "2035-01-01 01:10:00+00", "approval": true, "approval_ttl": "1 hour", "misfire": "skip"}');
select tests.claim('2035-01-01 01:09:52+00');
select tests.authenticate_as('owner');
select scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded')), true, null, '2035-01-01 01:30:00+00');
select tests.clear_authentication();
select tests.claim('2035-01-01 01:30:01+00');
select is(tests.gate(tests.run_of('guarded', '2035-01-01 01:10:00+00'), '2035-01-01 01:30:01+00'), 'started',
  'a run approved after misfire_grace still starts when approved');

select * from finish();
rollback;
