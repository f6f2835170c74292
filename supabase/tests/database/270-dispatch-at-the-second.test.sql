-- Dispatch at the second (docs/dispatch.md): runs are claimed ahead only by
-- the lookahead and come back claimed, nothing sent; the start gate judges
-- pause, cancel, lateness and overlap at the run's second; completion is per
-- worker; leases give back what never started and call the rest unknown;
-- writes wake the dispatcher, debounced; the platform's limits refuse
-- timeouts it cannot honour. Clock pinned in 2035.
begin;
select plan(51);

select tests.remember('u', tests.create_user('u'));
set local scheduler.now = '2035-01-01 00:00:00+00';
-- start from a quiet dispatcher state, whatever the live stack did
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
update scheduler_internal.dispatcher_wakes set last_wake_at = null;

create function pg_temp.mk(p_name text, p_every interval default null, p_extra jsonb default '{}')
returns uuid language plpgsql as $$
declare v_id uuid;
begin
  insert into scheduler.tasks (name, type, schedule_interval, run_at, action_type, action_payload, owner_id,
    overlap_policy, misfire_policy, requires_approval, approval_ttl, max_attempts, retry_backoff_seconds, timeout_seconds)
  values (p_name, case when p_every is null and p_extra ->> 'run_at' is null then 'manual' else 'scheduled' end, p_every,
    (p_extra ->> 'run_at')::timestamptz, 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u'),
    coalesce(p_extra ->> 'overlap', 'skip'), coalesce(p_extra ->> 'misfire', 'run_once'), coalesce((p_extra ->> 'approval')::boolean, false),
    '1 hour', coalesce((p_extra ->> 'attempts')::int, 3), 10, 30)
  returning id into v_id;
  perform tests.remember(p_name, v_id);
  return v_id;
end $$;
create function pg_temp.claim(p_at text, p_worker text default 'w1') returns setof uuid language sql as $$
  select c.run_id from scheduler.claim_due_runs(100, p_at::timestamptz, null, p_worker, null) c
  where c.task_id in (select id from tests.fixtures)
$$;
create function pg_temp.run_of(p_task text, p_at text) returns uuid language sql as $$
  select id from scheduler.task_runs where task_id = tests.fx(p_task) and scheduled_time = p_at::timestamptz
$$;
create function pg_temp.gate(p_run uuid, p_at text, p_worker text default 'w1') returns text language sql as $$
  select outcome from scheduler.start_runs(array[p_run], p_worker, p_at::timestamptz)
$$;
create function pg_temp.finish(p_run uuid, p_at text, p_status text default 'completed', p_worker text default 'w1')
returns text language sql as $$
  select outcome from scheduler.complete_runs(jsonb_build_array(jsonb_build_object(
    'run_id', p_run, 'status', p_status, 'retryable', true, 'error_message', case when p_status = 'failed' then 'boom' end)),
    p_at::timestamptz, p_worker)
$$;
create function pg_temp.dispatcher_wakes() returns integer language sql as $$
  select count(*)::int from net.http_request_queue where url like '%/functions/v1/dispatcher'
$$;

-- the claim hands over, the gate starts
select pg_temp.mk('minutely', '1 minute');
select is((select count(*)::int from pg_temp.claim('2035-01-01 00:00:49+00')), 0, 'nothing is claimed earlier than the lookahead (10 s) before its due time');
select is((select count(*)::int from pg_temp.claim('2035-01-01 00:00:51+00')), 1, 'a run due within the lookahead is claimed');
select is((select status::text || ' ' || coalesce(start_time::text, 'no start') || ' ' || locked_by from scheduler.task_runs where id = pg_temp.run_of('minutely', '2035-01-01 00:01:00+00')),
  'claimed no start w1', 'it is claimed, not running: nothing is sent before the gate starts it');
select is((select lease_expires_at from scheduler.task_runs where id = pg_temp.run_of('minutely', '2035-01-01 00:01:00+00')), '2035-01-01 00:01:30+00',
  'a claimed run must start within start_grace (30 s) of its due time');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00', 'someone-else'), 'not_claimed',
  'another worker''s gate cannot start it');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00'), 'started', 'its own worker starts it at its second');
select is((select status::text || ' ' || start_time || ' ' || lease_expires_at from scheduler.task_runs where id = pg_temp.run_of('minutely', '2035-01-01 00:01:00+00')),
  'running 2035-01-01 00:01:00+00 2035-01-01 00:03:30+00', 'started now, leased for its timeout plus the margin');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00', 'someone-else'), 'not_claimed', 'a run starts once: no other worker can start it again');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:01+00'), 'started',
  'its own worker asking again (an answer lost) is told it started, so it still executes it');
select is((select start_time from scheduler.task_runs where id = pg_temp.run_of('minutely', '2035-01-01 00:01:00+00')), '2035-01-01 00:01:00+00',
  'and the run keeps its first start');

-- overlap is judged at the next run's own second: claimed while the first
-- runs, started because the first ended before its second
select pg_temp.claim('2035-01-01 00:01:52+00');
select is(pg_temp.finish(pg_temp.run_of('minutely', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:58+00'), 'completed', 'the first run ends');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:02:00+00'), '2035-01-01 00:02:00+00'), 'started',
  'the next minute, claimed while the first ran, starts: overlap is judged at its second, not at the claim');
select pg_temp.claim('2035-01-01 00:02:52+00');
select is(pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:03:00+00'), '2035-01-01 00:03:00+00'), 'skipped',
  'while a run is still going at the next one''s second, overlap skip skips it');

-- skips in a row fold into one row
select pg_temp.claim('2035-01-01 00:03:52+00');
select pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:04:00+00'), '2035-01-01 00:04:00+00');
select pg_temp.claim('2035-01-01 00:04:52+00');
select pg_temp.gate(pg_temp.run_of('minutely', '2035-01-01 00:05:00+00'), '2035-01-01 00:05:00+00');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('minutely') and status = 'skipped'), 1,
  'three skips in a row are one skipped row');
select is((select log_summary from scheduler.task_runs where task_id = tests.fx('minutely') and status = 'skipped'),
  '{"skipped_occurrences": 3, "last_scheduled_time": "2035-01-01T00:05:00+00:00"}'::jsonb, 'which counts them and names the last');

-- cancel and pause reach a claimed run
select pg_temp.mk('cancel_me', null);
select scheduler.run_task_now(tests.fx('cancel_me'), '2035-01-01 00:10:00+00');
select pg_temp.claim('2035-01-01 00:10:00+00');
select scheduler.cancel_run(pg_temp.run_of('cancel_me', '2035-01-01 00:10:00+00'), '2035-01-01 00:10:00.1+00');
select is(pg_temp.gate(pg_temp.run_of('cancel_me', '2035-01-01 00:10:00+00'), '2035-01-01 00:10:00.2+00'), 'not_claimed',
  'a claimed run cancelled before its second is not started');
select is((select status::text from scheduler.task_runs where id = pg_temp.run_of('cancel_me', '2035-01-01 00:10:00+00')), 'cancelled', 'and stays cancelled');
select pg_temp.mk('pause_me', '1 minute');
select pg_temp.claim('2035-01-01 00:00:55+00');
update scheduler.tasks set is_active = false where id = tests.fx('pause_me');
select is(pg_temp.gate(pg_temp.run_of('pause_me', '2035-01-01 00:01:00+00'), '2035-01-01 00:01:00+00'), 'cancelled', 'pausing the task stops a claimed run');
select is((select error_message from scheduler.task_runs where id = pg_temp.run_of('pause_me', '2035-01-01 00:01:00+00')),
  'cancelled: the task was paused before this run started', 'and says why');
select pg_temp.mk('cancel_task', '1 minute');
select pg_temp.claim('2035-01-01 00:00:56+00');
select is(scheduler.cancel_task(tests.fx('cancel_task'), '2035-01-01 00:00:57+00'), 1, 'cancel_task cancels a claimed run');

-- lateness is judged against the due time at the gate
select pg_temp.mk('late_skip', null, '{"run_at": "2035-01-01 00:20:00+00", "misfire": "skip"}');
select pg_temp.mk('late_once', null, '{"run_at": "2035-01-01 00:20:00+00", "misfire": "run_once"}');
select pg_temp.claim('2035-01-01 00:19:55+00');
select is(pg_temp.gate(pg_temp.run_of('late_skip', '2035-01-01 00:20:00+00'), '2035-01-01 00:23:00+00'), 'skipped',
  'a run that could start only after misfire_grace is skipped under misfire_policy skip');
select is((select error_message from scheduler.task_runs where id = pg_temp.run_of('late_skip', '2035-01-01 00:20:00+00')),
  'skipped: it could start only 00:03:00 after its due time, later than misfire_grace (misfire_policy skip)', 'with its lateness');
select is(pg_temp.gate(pg_temp.run_of('late_once', '2035-01-01 00:20:00+00'), '2035-01-01 00:23:00+00'), 'started', 'and runs under run_once');

-- completion belongs to the worker that holds the run
select pg_temp.mk('owned', null);
select scheduler.run_task_now(tests.fx('owned'), '2035-01-01 00:30:00+00');
select pg_temp.claim('2035-01-01 00:30:00+00');
select pg_temp.gate(pg_temp.run_of('owned', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:00+00');
select is(pg_temp.finish(pg_temp.run_of('owned', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:01+00', 'completed', 'w2'),
  'ignored: the run is not running for this worker (finished, cancelled or taken back)', 'another worker''s result is ignored');
select pg_temp.mk('unreadable', null, '{"attempts": 1}');
select scheduler.run_task_now(tests.fx('unreadable'), '2035-01-01 00:30:00+00');
select pg_temp.claim('2035-01-01 00:30:00+00');
select is(pg_temp.finish(pg_temp.run_of('unreadable', '2035-01-01 00:30:00+00'), '2035-01-01 00:30:01+00', 'failed'), 'failed',
  'a claimed run its action could not even start is recorded failed by its worker');
select is((select start_time from scheduler.task_runs where id = pg_temp.run_of('unreadable', '2035-01-01 00:30:00+00')), null,
  'without a start time: it never started');

-- an action that refused: given back at once
select pg_temp.mk('refused', null);
select scheduler.run_task_now(tests.fx('refused'), '2035-01-01 00:40:00+00');
select pg_temp.claim('2035-01-01 00:40:00+00');
select is(scheduler.release_runs(array[pg_temp.run_of('refused', '2035-01-01 00:40:00+00')], 'w1', '2035-01-01 00:40:01+00'), 1, 'release_runs gives a claimed run back');
select is((select status::text || ' ' || coalesce(locked_by, 'nobody') from scheduler.task_runs where id = pg_temp.run_of('refused', '2035-01-01 00:40:00+00')),
  'queued nobody', 'to the queue, unclaimed');

-- leases: never started is given back; started and silent is unknown
select pg_temp.mk('lost_claim', null);
select scheduler.run_task_now(tests.fx('lost_claim'), '2035-01-01 00:50:00+00');
select pg_temp.claim('2035-01-01 00:50:00+00');
select ok(exists (select 1 from scheduler.reap_expired_leases('2035-01-01 00:50:31+00') r where r.run_id = pg_temp.run_of('lost_claim', '2035-01-01 00:50:00+00')
  and r.outcome like 'given back%'), 'a claimed run nobody started is given back when its lease expires');
select is((select status::text || ' ' || attempt from scheduler.task_runs where task_id = tests.fx('lost_claim')), 'queued 1',
  'as the same attempt, queued: nothing was sent, so nothing is retried');
select pg_temp.mk('lost_run', null);
select scheduler.run_task_now(tests.fx('lost_run'), '2035-01-01 00:55:00+00');
select pg_temp.claim('2035-01-01 00:55:00+00');
select pg_temp.gate(pg_temp.run_of('lost_run', '2035-01-01 00:55:00+00'), '2035-01-01 00:55:00+00');
select count(*) from scheduler.reap_expired_leases('2035-01-01 00:58:00+00');
select is((select array_agg(status::text || ' ' || attempt order by attempt) from scheduler.task_runs where task_id = tests.fx('lost_run')),
  array['failed 1', 'queued 2'], 'a started run whose lease expired is failed and retried under its policy');
select is((select idempotency_key from scheduler.task_runs where task_id = tests.fx('lost_run') and attempt = 2),
  pg_temp.run_of('lost_run', '2035-01-01 00:55:00+00')::text, 'the retry keeps the first attempt''s idempotency key');
select ok((select error_message like 'outcome unknown:%same idempotency key%' from scheduler.task_runs where task_id = tests.fx('lost_run') and attempt = 1),
  'and the failed attempt says its outcome is unknown');

-- timeouts the platform cannot honour are refused at write time
select throws_ok($$ update scheduler.tasks set timeout_seconds = 61 where id = tests.fx('owned') $$, '22023',
  'timeout_seconds 61 cannot be honoured: a run may last at most 60 s here', 'a timeout beyond the Free plan''s limit is refused, saying why');
update scheduler_internal.settings set value = '400' where key = 'edge_wall_clock_seconds';
select lives_ok($$ update scheduler.tasks set timeout_seconds = 185 where id = tests.fx('owned') $$, 'with the paid wall clock, 185 s are allowed');
select throws_ok($$ update scheduler.tasks set timeout_seconds = 186 where id = tests.fx('owned') $$, '22023', null, 'and 186 s are not');

-- resuming keeps the schedule
select pg_temp.mk('resumed', '1 minute', '{"misfire": "run_once"}');
update scheduler.tasks set is_active = false where id = tests.fx('resumed');
set local scheduler.now = '2035-01-01 01:05:30+00';
update scheduler.tasks set is_active = true where id = tests.fx('resumed');
select is((select next_run_at from scheduler.tasks where id = tests.fx('resumed')), '2035-01-01 01:06:30+00',
  'a task resumed after a long pause continues at its next due time, with no catch-up run');

-- approvals expire from the run's due time, not from the claim
select pg_temp.mk('guarded', null, '{"run_at": "2035-01-01 01:10:00+00", "approval": true, "misfire": "skip"}');
select pg_temp.claim('2035-01-01 01:09:52+00');
select is((select expires_at from scheduler.approvals where task_id = tests.fx('guarded')), '2035-01-01 02:10:00+00',
  'a held run''s approval expires approval_ttl after its due time');
-- approved twenty minutes late, under misfire_policy skip: a person's delay is not a misfire
select tests.authenticate_as('u');
select scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded')), true, null, '2035-01-01 01:30:00+00');
select tests.clear_authentication();
select pg_temp.claim('2035-01-01 01:30:01+00');
select is(pg_temp.gate(pg_temp.run_of('guarded', '2035-01-01 01:10:00+00'), '2035-01-01 01:30:01+00'), 'started',
  'a run approved after misfire_grace still starts when approved');

-- wakes: writes that make work due before anyone looks wake one dispatcher
set local scheduler.now = '2035-01-01 02:00:00+00';
select pg_temp.mk('burst', null, '{"overlap": "allow"}');
select pg_temp.dispatcher_wakes() as wakes_before \gset
select scheduler.run_task_now(tests.fx('burst'), '2035-01-01 02:00:00+00') from generate_series(1, 5);
select is(pg_temp.dispatcher_wakes() - :wakes_before, 1, 'a burst of five run-now calls wakes the dispatcher once');
select scheduler.plan_next_look('d1', '2035-01-01 02:00:01+00', '2035-01-01 02:01:00+00');
select scheduler.run_task_now(tests.fx('burst'), '2035-01-01 02:00:05+00');
select is(pg_temp.dispatcher_wakes() - :wakes_before, 1, 'while a dispatcher will look a second or more before the run is due, nobody else is woken');
update scheduler_internal.dispatcher_looks set next_look_at = '2035-01-01 02:00:40+00';
select pg_temp.mk('soon', null, '{"run_at": "2035-01-01 02:00:05+00"}');
select is(pg_temp.dispatcher_wakes() - :wakes_before, 2, 'a task created 5 s before its first due time wakes a dispatcher when the looking one would be late');
select pg_temp.mk('next_hour', null, '{"run_at": "2035-01-01 03:00:00+00"}');
select is(pg_temp.dispatcher_wakes() - :wakes_before, 2, 'a task due after the next tick wakes nobody');
-- a looker that missed its own look (its worker was killed) is not trusted
update scheduler_internal.dispatcher_looks set next_look_at = '2035-01-01 01:59:50+00', awake_until = '2035-01-01 02:01:00+00';
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
select pg_temp.mk('after_a_dead_looker', null, '{"run_at": "2035-01-01 02:00:20+00"}');
select is(pg_temp.dispatcher_wakes() - :wakes_before, 3, 'a looker ten seconds late for its own look is taken for dead: the write wakes another');

-- plan_next_look, over one task (the rest of the file's due work, and
-- anything else in the database, is removed in this transaction)
delete from scheduler.tasks;
select pg_temp.mk('at_three', null, '{"run_at": "2035-01-01 03:00:00+00"}');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:50:00+00', '2035-01-01 02:51:00+00'), null,
  'nothing due before the deadline: stop');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:00+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:50+00'::timestamptz,
  'otherwise the next due time minus the lookahead');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:49+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:57+00'::timestamptz,
  'but no sooner than 80 % of a lookahead later: a round hands over a window of due times, not each one as it comes in reach');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:55+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:59+00'::timestamptz,
  'and never later than a second before the run is due');
select is(scheduler.plan_next_look('d0', '2035-01-01 02:59:01+00', '2035-01-01 03:00:00+00'), null,
  'an older invocation (it would stay less long) stops while a newer one looks');

-- service_role calls the engine
select tests.authenticate_as_service_role();
select lives_ok($$ select count(*) from scheduler.claim_due_runs(1, '2035-01-01 00:00:00+00', '0', 'sr', null) $$, 'service_role may claim');
select lives_ok($$ select scheduler.check_dispatcher_heartbeat('2035-01-01 00:00:00+00') $$, 'and run the dead-man check');
select tests.clear_authentication();

select * from finish();
rollback;
