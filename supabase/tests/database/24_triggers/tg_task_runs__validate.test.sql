-- scheduler_internal.tg_task_runs__validate: a run's inputs are a JSON
-- object of at most 64 KiB; a run a user inserts is a manual run of theirs,
-- whatever else the insert said, while the scheduler's own inserts keep
-- what they say.
begin;
\ir ../_helpers/setup.psql
select plan(6);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('t');
select tests.authenticate_as('owner');
select throws_ok($$ insert into scheduler.task_runs (task_id, scheduled_time, inputs) values (tests.fx('t'), '2031-01-01', '[1, 2]') $$,
  '22023', 'inputs: must be a JSON object (its fields are {{inputs.<field>}}), got array', 'inputs that are a list are refused');
select throws_ok($$ insert into scheduler.task_runs (task_id, scheduled_time, inputs) values (tests.fx('t'), '2031-01-01', '"text"') $$,
  '22023', 'inputs: must be a JSON object (its fields are {{inputs.<field>}}), got string', 'so are a string');
select throws_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, inputs) values (tests.fx('t'), '2031-01-01', %L) $$,
  jsonb_build_object('blob', repeat('i', 70000))), '22023', 'inputs: is 70012 bytes of JSON; the limit is 65536', 'and over 64 KiB');
insert into scheduler.task_runs (task_id, scheduled_time, inputs, triggered_by, attempt, requested_by, idempotency_key, output, lease_expires_at)
values (tests.fx('t'), '2031-01-01', '{"n": 1}', 'schedule', 7, tests.fx('other'), 'forged', '{"done": true}', '2031-01-02');
select tests.clear_authentication();
select results_eq($$ select triggered_by, attempt, requested_by, idempotency_key, output, lease_expires_at, inputs
                     from scheduler.task_runs where task_id = tests.fx('t') $$,
  $$ values ('manual', 1, tests.fx('owner'), null::text, null::jsonb, null::timestamptz, '{"n": 1}'::jsonb) $$,
  'a user''s insert is their manual run; the engine''s columns are the engine''s');
select tests.mk_task('on_event', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('on_event'), 'ping');
select tests.authenticate_as('owner');
insert into scheduler.events (event_type, user_id, payload) values ('ping', tests.fx('owner'), '{"n": 2}');
select tests.clear_authentication();
select is((select triggered_by from scheduler.task_runs where task_id = tests.fx('on_event')), 'event:ping',
  'a run the scheduler starts for a user''s event keeps its trigger');
select throws_ok($$ insert into scheduler.events (event_type, user_id, payload) values ('ping', tests.fx('owner'), '[]') $$,
  '22023', 'payload: must be a JSON object (the runs it starts read it as {{inputs.<field>}}), got array', 'an event''s payload is an object too');

select * from finish();
rollback;
