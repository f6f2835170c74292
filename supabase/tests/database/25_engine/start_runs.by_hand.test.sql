-- the start gate and the runs a person asked for: replays and backfill
-- runs start on a paused task, as manual runs do (pausing stops the
-- schedule and what events start, not what someone started by hand), and a
-- backfill run, due at a slot days ago, is not judged late under
-- misfire_policy skip: lateness is the scheduler's, and this run is meant
-- for the past.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed_users();
set local scheduler.now = '2031-06-01 12:00:00+00';
select tests.mk_task('paused', '{"every": "1 hour", "overlap": "allow", "misfire": "skip"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, inputs, start_time, end_time)
values (tests.fx('paused'), '2031-06-01 10:00:00+00', 'failed', 'schedule', '{"n": 1}', '2031-06-01 10:00:00+00', '2031-06-01 10:00:01+00');
select tests.remember('failed', (select id from scheduler.task_runs where task_id = tests.fx('paused')));
update scheduler.tasks set is_active = false where id = tests.fx('paused');

select tests.authenticate_as('owner');
select tests.remember('replay', scheduler.replay_run(tests.fx('failed'), '2031-06-01 12:00:00+00'));
select tests.remember('backfilled', (select b.run_id from scheduler.backfill(tests.fx('paused'), '2031-05-29 12:00:00+00', '2031-05-29 12:30:00+00', false, '2031-06-01 12:00:00+00') b));
select tests.clear_authentication();
-- an event run queued before the pause, for contrast
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, inputs)
values (tests.fx('paused'), '2031-06-01 12:00:00+00', 'queued', 'event:ping', '{}');
select tests.remember('event run', (select id from scheduler.task_runs where task_id = tests.fx('paused') and triggered_by = 'event:ping'));

create temp table gate on commit drop as select * from tests.dispatch('2031-06-01 12:00:00+00', '0', 1000) d where d.task_id = tests.fx('paused');
select is((select outcome from gate where run_id = tests.fx('replay')), 'started', 'a replay of a paused task starts');
select is((select outcome from gate where run_id = tests.fx('backfilled')), 'started',
  'so does a backfill run, due three days ago under misfire_policy skip: it is not judged late');
select is((select outcome from gate where run_id = tests.fx('event run')), 'cancelled', 'while an event run of the paused task is cancelled');
select is((select scheduled_time from scheduler.task_runs where id = tests.fx('backfilled')), '2031-05-29 12:00:00+00'::timestamptz,
  'the backfill run keeps its slot as its due time');

select * from finish();
rollback;
