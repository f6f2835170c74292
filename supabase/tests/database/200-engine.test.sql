-- The scheduling engine, with the clock pinned (p_now, scheduler.now) far in
-- the future so nothing else in the database is due with the test's tasks.
-- Assertions look only at this file's own tasks.
begin;
select plan(56);

select tests.remember('u', tests.create_user('u'));
select tests.remember('admin', tests.create_user('admin', 'admin'));
set local scheduler.now = '2031-01-01 00:00:00+00';

create temp table t0 as select '2031-01-01 00:00:00+00'::timestamptz as t0;
grant select on t0 to public;

-- helper: make a task owned by u and remember it
create function pg_temp.mk(p_name text, p_cron text default null, p_every interval default null,
  p_type text default 'scheduled', p_priority scheduler.task_priority default 'medium', p_extra jsonb default '{}')
returns uuid language plpgsql as $$
declare v_id uuid;
begin
  insert into scheduler.tasks (name, type, schedule_cron, schedule_interval, action_type, action_payload, owner_id, priority,
    overlap_policy, misfire_policy, requires_approval, max_attempts, retry_backoff_seconds, timeout_seconds)
  values (p_name, p_type, p_cron, p_every, 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u'), p_priority,
    coalesce(p_extra ->> 'overlap', 'skip'), coalesce(p_extra ->> 'misfire', 'run_once'), coalesce((p_extra ->> 'approval')::boolean, false),
    coalesce((p_extra ->> 'attempts')::int, 3), 10, 30)
  returning id into v_id;
  perform tests.remember(p_name, v_id);
  return v_id;
end $$;
-- claimed and passed through the start gate, as the dispatcher and the action do
create function pg_temp.claim(p_at text, p_lookahead interval default '0', p_limit int default 100)
returns setof uuid language sql as $$
  select c.task_id from tests.dispatch(p_at::timestamptz, p_lookahead, p_limit) c
  where c.task_id in (select id from tests.fixtures) and c.outcome = 'started'
$$;
create function pg_temp.finish(p_task text, p_status text, p_at text, p_retryable boolean default false)
returns text language sql as $$
  select outcome from scheduler.complete_runs(
    (select jsonb_agg(jsonb_build_object('run_id', r.id, 'status', p_status, 'retryable', p_retryable, 'error_message', case when p_status = 'failed' then 'boom' end))
     from scheduler.task_runs r where r.task_id = tests.fx(p_task) and r.status = 'running'),
    p_at::timestamptz)
  limit 1
$$;

-- next_run_at is kept by triggers
select pg_temp.mk('cron5', '*/5 * * * *');
select pg_temp.mk('every90', null, '90 seconds');
select is((select next_run_at from scheduler.tasks where id = tests.fx('cron5')), '2031-01-01 00:05:00+00', 'a cron task gets its next due time on insert');
select is((select next_run_at from scheduler.tasks where id = tests.fx('every90')), '2031-01-01 00:01:30+00', 'an interval task is due one interval after creation');
update scheduler.tasks set schedule_cron = '0 9 * * *', timezone = 'Europe/Berlin' where id = tests.fx('cron5');
select is((select next_run_at from scheduler.tasks where id = tests.fx('cron5')), '2031-01-01 08:00:00+00', 'a schedule change recomputes next_run_at in the task''s timezone');
update scheduler.tasks set schedule_cron = '*/5 * * * *', timezone = 'UTC' where id = tests.fx('cron5');

-- due selection, lookahead, limit, ordering
select is_empty($$ select pg_temp.claim('2031-01-01 00:01:00+00') $$, 'nothing is claimed before it is due');
select results_eq($$ select pg_temp.claim('2031-01-01 00:01:00+00', '30 seconds') $$, $$ values (tests.fx('every90')) $$, 'the lookahead window claims what is due within it');
select is((select next_run_at from scheduler.tasks where id = tests.fx('every90')), '2031-01-01 00:03:00+00', 'claiming advances next_run_at atomically');
select is((select lease_expires_at from scheduler.task_runs where task_id = tests.fx('every90')), '2031-01-01 00:04:00+00', 'the lease of a started run covers its start (its due second), the timeout and the margin');
select pg_temp.finish('every90', 'completed', '2031-01-01 00:01:31+00');
select pg_temp.mk('low', null, '1 minute', 'scheduled', 'low');
select pg_temp.mk('critical', null, '1 minute', 'scheduled', 'critical');
select results_eq($$ select pg_temp.claim('2031-01-01 00:10:00+00', '0', 1) $$, $$ values (tests.fx('critical')) $$, 'priority orders the claim, and the limit holds');

-- a claim refuses nonsense
select throws_ok($$ select * from scheduler.claim_due_runs(0, now(), '0', 'x', null) $$, '22023', null, 'p_limit must be positive');

-- misfire: a scheduler that was down runs once, or skips, never a burst
select pg_temp.mk('catchup', null, '1 minute', 'scheduled', 'medium', '{"misfire": "run_once"}');
select pg_temp.mk('skipper', null, '1 minute', 'scheduled', 'medium', '{"misfire": "skip"}');
select is((select count(*)::int from tests.dispatch('2031-01-01 05:00:00+00') where task_id = tests.fx('catchup') and outcome = 'started'), 1,
  'after hours down, run_once runs exactly once');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('skipper')), 'skipped', 'misfire_policy skip records a skipped run instead');
select is((select next_run_at from scheduler.tasks where id = tests.fx('catchup')), '2031-01-01 05:01:00+00', 'and both move on to the next future time');
select is((select next_run_at from scheduler.tasks where id = tests.fx('skipper')), '2031-01-01 05:01:00+00', 'skip moves on too');

-- overlap
select pg_temp.mk('ov_skip', null, '1 minute', 'scheduled', 'medium', '{"overlap": "skip"}');
select pg_temp.mk('ov_queue', null, '1 minute', 'scheduled', 'medium', '{"overlap": "queue"}');
select pg_temp.mk('ov_allow', null, '1 minute', 'scheduled', 'medium', '{"overlap": "allow"}');
select pg_temp.claim('2031-01-01 00:01:00+00');
select pg_temp.claim('2031-01-01 00:02:00+00');
select is((select array_agg(status::text order by scheduled_time) from scheduler.task_runs where task_id = tests.fx('ov_skip')), array['running', 'skipped'], 'overlap skip: the second due time is skipped while the first runs');
select is((select array_agg(status::text order by scheduled_time) from scheduler.task_runs where task_id = tests.fx('ov_queue')), array['running', 'queued'], 'overlap queue: the second waits');
select is((select array_agg(status::text order by scheduled_time) from scheduler.task_runs where task_id = tests.fx('ov_allow')), array['running', 'running'], 'overlap allow: both run');
select pg_temp.finish('ov_queue', 'completed', '2031-01-01 00:02:10+00');
select ok(tests.fx('ov_queue') in (select pg_temp.claim('2031-01-01 00:02:20+00')), 'the queued run starts once the running one is over');

-- retries: exponential backoff with bounded jitter, then a final failure and an alert
select pg_temp.mk('flaky', null, null, 'manual', 'medium', '{"attempts": 3}');
select scheduler.run_task_now(tests.fx('flaky'), '2031-01-01 01:00:00+00');
select pg_temp.claim('2031-01-01 01:00:00+00');
select is(pg_temp.finish('flaky', 'failed', '2031-01-01 01:00:05+00', true), 'retry scheduled', 'a retryable failure schedules attempt 2');
select ok((select scheduled_time between '2031-01-01 01:00:15+00' and '2031-01-01 01:00:17+00' from scheduler.task_runs where task_id = tests.fx('flaky') and attempt = 2),
  'attempt 2 waits the base backoff (10 s) plus at most 20% jitter');
select pg_temp.claim('2031-01-01 01:00:20+00');
select pg_temp.finish('flaky', 'failed', '2031-01-01 01:00:21+00', true);
select ok((select scheduled_time between '2031-01-01 01:00:41+00' and '2031-01-01 01:00:45+00' from scheduler.task_runs where task_id = tests.fx('flaky') and attempt = 3),
  'attempt 3 waits twice as long');
select pg_temp.claim('2031-01-01 01:01:00+00');
select is(pg_temp.finish('flaky', 'failed', '2031-01-01 01:01:01+00', true), 'failed', 'the last attempt fails for good');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('flaky')), 3, 'no attempt beyond max_attempts');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('flaky') and user_id = tests.fx('u') and type = 'error'), 'the owner is notified of the final failure');
select pg_temp.mk('fatal', null, null, 'manual');
select scheduler.run_task_now(tests.fx('fatal'), '2031-01-01 01:00:00+00');
select pg_temp.claim('2031-01-01 01:00:00+00');
select is(pg_temp.finish('fatal', 'failed', '2031-01-01 01:00:01+00', false), 'failed', 'a non-retryable failure is final at once');
select is((select outcome from scheduler.complete_runs(jsonb_build_array(jsonb_build_object(
    'run_id', (select id from scheduler.task_runs where task_id = tests.fx('fatal')), 'status', 'completed')), '2031-01-01 01:00:02+00')),
  'ignored: the run is not running for this worker (finished, cancelled or taken back)', 'a late second result for a finished run is ignored, and says so');

-- leases: a run whose dispatcher died is taken back and retried
select pg_temp.mk('orphan', null, null, 'manual');
select scheduler.run_task_now(tests.fx('orphan'), '2031-01-01 02:00:00+00');
select pg_temp.claim('2031-01-01 02:00:00+00');
select is_empty($$ select 1 from scheduler.reap_expired_leases('2031-01-01 02:01:00+00') r join scheduler.task_runs t on t.id = r.run_id where t.task_id = tests.fx('orphan') $$, 'a live lease is left alone');
select ok(exists (select 1 from scheduler.reap_expired_leases('2031-01-01 02:10:00+00') r join scheduler.task_runs t on t.id = r.run_id where t.task_id = tests.fx('orphan')), 'an expired lease is reaped');
select is((select array_agg(status::text order by attempt) from scheduler.task_runs where task_id = tests.fx('orphan')), array['failed', 'queued'], 'and the run is retried');
select ok((select error_message like 'outcome unknown: the run started at % reported nothing before its lease expired at %' from scheduler.task_runs where task_id = tests.fx('orphan') and attempt = 1), 'the reason is recorded: its outcome is unknown');

-- dependencies of each edge type
select pg_temp.mk('pre', null, null, 'manual');
select pg_temp.mk('on_success', null, '1 minute');
select pg_temp.mk('on_failure', null, '1 minute');
select pg_temp.mk('on_always', null, '1 minute');
select pg_temp.mk('chained', null, null, 'manual');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type) values
  (tests.fx('on_success'), tests.fx('pre'), 'success'), (tests.fx('on_failure'), tests.fx('pre'), 'failure'),
  (tests.fx('on_always'), tests.fx('pre'), 'always'), (tests.fx('chained'), tests.fx('pre'), 'success');
select is_empty($$ select c from pg_temp.claim('2031-01-01 03:00:00+00') c where c in (tests.fx('on_success'), tests.fx('on_failure'), tests.fx('on_always')) $$,
  'dependents wait while the prerequisite has never finished');
select scheduler.run_task_now(tests.fx('pre'), '2031-01-01 03:00:00+00');
select pg_temp.claim('2031-01-01 03:00:00+00');
select pg_temp.finish('pre', 'completed', '2031-01-01 03:00:01+00');
select set_eq($$ select c from pg_temp.claim('2031-01-01 03:00:02+00') c where c in (tests.fx('on_success'), tests.fx('on_failure'), tests.fx('on_always'), tests.fx('chained')) $$,
  $$ values (tests.fx('on_success')), (tests.fx('on_always')), (tests.fx('chained')) $$,
  'after a success: success and always edges are satisfied, failure edges are not, and an unscheduled dependent is started');
select is((select triggered_by from scheduler.task_runs where task_id = tests.fx('chained')), 'dependency', 'the started dependent says why it ran');

-- approvals
select pg_temp.mk('guarded', null, '1 minute', 'scheduled', 'medium', '{"approval": true}');
select pg_temp.claim('2031-01-01 00:01:00+00');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded')), 'awaiting_approval', 'a task that needs approval waits instead of running');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('guarded') and type = 'approval'), 'and its owner is asked');
select tests.authenticate_as('u');
select is(scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded')), true, 'go', '2031-01-01 00:01:30+00'), 'approved', 'the owner approves');
select tests.clear_authentication();
select ok(tests.fx('guarded') in (select pg_temp.claim('2031-01-01 00:01:31+00')), 'the approved run proceeds');
select pg_temp.finish('guarded', 'completed', '2031-01-01 00:01:40+00');
select pg_temp.claim('2031-01-01 00:02:00+00');
select tests.authenticate_as('u');
select is(scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded') and status = 'pending'), false, 'not today', '2031-01-01 00:02:10+00'), 'rejected', 'the owner rejects the next one');
select tests.clear_authentication();
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded') and scheduled_time = '2031-01-01 00:02:00+00'), 'cancelled', 'a rejected run is cancelled');
select pg_temp.claim('2031-01-01 00:03:00+00');
select ok(scheduler.expire_approvals('2031-01-03 00:00:00+00') >= 1, 'approvals past their expiry expire');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded') and scheduled_time = '2031-01-01 00:03:00+00'), 'cancelled', 'and their runs are cancelled');

-- events start subscribed tasks of the same owner
select pg_temp.mk('on_upload', null, null, 'event');
insert into scheduler.task_event_triggers (task_id, event_name, payload_filter) values (tests.fx('on_upload'), 'file_uploaded', '{"bucket": "docs"}');
insert into scheduler.events (event_type, user_id, payload) values ('file_uploaded', tests.fx('u'), '{"bucket": "images"}');
select is_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('on_upload') $$, 'an event whose payload does not match the filter starts nothing');
insert into scheduler.events (event_type, user_id, payload) values ('file_uploaded', tests.fx('u'), '{"bucket": "docs", "path": "a.pdf"}');
select is((select triggered_by from scheduler.task_runs where task_id = tests.fx('on_upload')), 'event:file_uploaded', 'a matching event queues a run');
select is((select inputs #>> '{payload,path}' from scheduler.task_runs where task_id = tests.fx('on_upload')), 'a.pdf', 'with the event as its input');
select ok(exists (select 1 from net.http_request_queue where url like '%/functions/v1/dispatcher'), 'and wakes the dispatcher through pg_net');

-- manual runs and cancelling
select tests.authenticate_as('u');
select ok(scheduler.run_task_now(tests.fx('cron5'), '2031-01-01 00:00:10+00') is not null, 'the owner runs a task now');
select tests.authenticate_as('admin');
select is(scheduler.cancel_run((select id from scheduler.task_runs where task_id = tests.fx('cron5') and triggered_by = 'manual'), '2031-01-01 00:00:11+00')::text, 'cancelled', 'a run can be cancelled');
select tests.create_user('stranger');
select tests.authenticate_as('stranger');
select throws_ok($$ select scheduler.run_task_now(tests.fx('cron5')) $$, '42501', null, 'a stranger cannot run someone else''s task');
select tests.clear_authentication();

-- pruning keeps recent history, deletes old finished runs but the task's
-- latest completed or failed one, which dependencies read
-- (created_at is the real clock's, so pruning is judged from now())
update scheduler.task_runs set created_at = now() - interval '31 days' where task_id = tests.fx('flaky');
select scheduler.prune_history(now(), 10);
select results_eq($$ select attempt from scheduler.task_runs where task_id = tests.fx('flaky') $$, $$ values (3) $$,
  'finished runs older than the retention are pruned, but the task''s latest finished run');
select isnt_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('every90') $$, 'recent runs stay');

-- dead-man check
update scheduler_internal.dispatcher_heartbeat set last_tick_at = '2031-01-01 00:00:00+00', alerted_at = null;
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:03:00+00'), false, 'a recent tick raises no alarm');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:10:00+00'), true, 'a silent dispatcher alerts the admins');
select is(scheduler.check_dispatcher_heartbeat('2031-01-01 00:11:00+00'), false, 'once per outage');

-- privileges and jobs
select ok(not has_function_privilege('authenticated', 'scheduler.claim_due_runs(integer, timestamptz, interval, text, interval)', 'execute'), 'only service_role claims');
select ok(not has_function_privilege('authenticated', 'scheduler.complete_runs(jsonb, timestamptz, text)', 'execute'), 'only service_role completes');
select set_eq($$ select jobname from cron.job where jobname in ('scheduler-tick', 'prune-history', 'cleanup-expired-sessions', 'dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history') $$,
  $$ values ('scheduler-tick'), ('prune-history'), ('cleanup-expired-sessions') $$, 'the pg_cron jobs exist under stable names');
select is((select command from cron.job where jobname = 'scheduler-tick'), 'select scheduler_internal.scheduler_tick()', 'no secret is written into the dispatch job');

select * from finish();
rollback;
