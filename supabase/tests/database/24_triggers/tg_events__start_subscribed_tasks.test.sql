-- scheduler_internal.tg_events__start_subscribed_tasks: an event starts the
-- subscribed tasks of the same owner whose payload filter it matches, with
-- the event as the run's input, and wakes the dispatcher through pg_net.
begin;
\ir ../_helpers/setup.psql
select plan(6);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
-- start from a quiet dispatcher state, whatever the live stack did
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
update scheduler_internal.dispatcher_wakes set last_wake_at = null;
select tests.mk_task('on_upload', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name, payload_filter) values (tests.fx('on_upload'), 'file_uploaded', '{"bucket": "docs"}');
insert into scheduler.events (event_type, user_id, payload) values ('file_uploaded', tests.fx('owner'), '{"bucket": "images"}');
select is_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('on_upload') $$, 'an event whose payload does not match the filter starts nothing');
select tests.dispatcher_wakes() as wakes_before \gset
insert into scheduler.events (event_type, user_id, payload) values ('file_uploaded', tests.fx('owner'), '{"bucket": "docs", "path": "a.pdf"}');
select is((select triggered_by from scheduler.task_runs where task_id = tests.fx('on_upload')), 'event:file_uploaded', 'a matching event queues a run');
select is((select inputs from scheduler.task_runs where task_id = tests.fx('on_upload')), '{"bucket": "docs", "path": "a.pdf"}'::jsonb,
  'with the event''s payload as its inputs ({{inputs.path}})');
select is((select r.event_id from scheduler.task_runs r where r.task_id = tests.fx('on_upload')),
  (select e.id from scheduler.events e where e.payload ->> 'path' = 'a.pdf'), 'and the event named by event_id');
select cmp_ok(tests.dispatcher_wakes(), '>', :wakes_before, 'and wakes the dispatcher through pg_net');

-- fifty events in one statement, ids in order (as a watcher writes them): the runs sort the same way
select tests.mk_task('in_order', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('in_order'), 'tick');
insert into scheduler.events (id, event_type, user_id, payload)
select scheduler_internal.uuid_v7_seq(clock_timestamp(), g), 'tick', tests.fx('owner'), jsonb_build_object('n', g)
from generate_series(1, 50) g;
select is((select array_agg((inputs ->> 'n')::integer order by id) from scheduler.task_runs where task_id = tests.fx('in_order')),
  (select array_agg(g) from generate_series(1, 50) g), 'the runs one insert starts sort in its events'' order');

select * from finish();
rollback;
