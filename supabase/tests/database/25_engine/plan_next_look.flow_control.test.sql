-- scheduler.plan_next_look with flow control (everything else due in the
-- database is removed in this transaction; one task is due an hour on): a debounced event run is
-- looked for at its second (it is not claimed ahead); a run a rate limit
-- holds, when the window frees; a run max_concurrency holds is not work
-- left to retry every second (the run that ends wakes the dispatcher).
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed_users();
set local scheduler.now = '2035-02-01 00:00:00+00';
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
delete from scheduler.tasks;
-- one task due after every deadline below, so the plans have a next due time
select tests.mk_task('later', '{"run_at": "2035-02-01 01:00:00+00"}');

-- a debounced event run due at 00:00:30
select tests.mk_task('digest', '{"type": "event"}');
update scheduler.tasks set debounce_window = '30 seconds' where id = tests.fx('digest');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('digest'), 'tick');
insert into scheduler.events (event_type, user_id, payload) values ('tick', tests.fx('owner'), '{}');
select is(scheduler.plan_next_look('d1', '2035-02-01 00:00:25+00', '2035-02-01 00:01:00+00'), '2035-02-01 00:00:30+00'::timestamptz,
  'a debounced run: the next look is at its second, not a lookahead before it');
select is(scheduler.plan_next_look('d1', '2035-02-01 00:00:29.5+00', '2035-02-01 00:01:00+00'), '2035-02-01 00:00:30+00'::timestamptz,
  'and a look just before it does not spin: it waits for the second');
delete from scheduler.task_runs where task_id = tests.fx('digest');

-- a rate limit of one start a minute, started at 00:01:00: a queued run waits until 00:02:00
select tests.mk_task('rated', '{"overlap": "allow"}');
update scheduler.tasks set rate_limit_count = 1, rate_limit_period = '1 minute' where id = tests.fx('rated');
insert into scheduler_internal.task_starts (task_id, started_at, run_id) values (tests.fx('rated'), '2035-02-01 00:01:00+00', gen_random_uuid());
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values (tests.fx('rated'), '2035-02-01 00:01:10+00', 'queued', 'manual');
select is(scheduler.plan_next_look('d1', '2035-02-01 00:01:20+00', '2035-02-01 00:02:30+00'), '2035-02-01 00:02:00+00'::timestamptz,
  'a run the rate limit holds: the next look is when the window has room');
delete from scheduler.tasks where id = tests.fx('rated');

-- max_concurrency 1, one running: the queued run is not retried every second
select tests.mk_task('pool', '{"overlap": "allow"}');
update scheduler.tasks set max_concurrency = 1 where id = tests.fx('pool');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, start_time, locked_by, lease_expires_at) values
  (tests.fx('pool'), '2035-02-01 00:03:00+00', 'running', 'manual', '2035-02-01 00:03:00+00', 'w', '2035-02-01 00:06:00+00');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values (tests.fx('pool'), '2035-02-01 00:03:01+00', 'queued', 'manual');
select is(scheduler.plan_next_look('d1', '2035-02-01 00:03:05+00', '2035-02-01 00:03:30+00'), null,
  'a run max_concurrency holds is not work left: nothing to look for before the deadline');

select * from finish();
rollback;
