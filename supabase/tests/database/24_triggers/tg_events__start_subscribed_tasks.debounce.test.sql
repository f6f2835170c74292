-- Debounce (tasks.debounce_window) in scheduler_internal.tg_events__start_subscribed_tasks:
-- the events of one window start one run, due at the window's end. With
-- debounce_inputs last it gets the last event's payload, with all every
-- event (inputs.events), split into more runs only where one would exceed
-- the 64 KiB of a run's inputs. The claim does not take the run ahead of
-- its second, so the window's last events still reach it; an event after
-- the window opens the next one. Another owner's events never fold in.
-- The triggers' clock is pinned and moved by hand.
begin;
\ir ../_helpers/setup.psql
select plan(17);

select tests.seed_users();
set local scheduler.now = '2031-10-01 00:00:00+00';
select tests.mk_task('digest', '{"type": "event"}');
update scheduler.tasks set debounce_window = '10 seconds' where id = tests.fx('digest');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('digest'), 'order_placed');

insert into scheduler.events (event_type, user_id, payload) values ('order_placed', tests.fx('owner'), '{"n": 1}');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('digest')), 1, 'the first event queues one run');
select is((select scheduled_time from scheduler.task_runs where task_id = tests.fx('digest')), '2031-10-01 00:00:10+00'::timestamptz,
  'due at the end of the window');
set local scheduler.now = '2031-10-01 00:00:04+00';
insert into scheduler.events (event_type, user_id, payload) values ('order_placed', tests.fx('owner'), '{"n": 2}');
set local scheduler.now = '2031-10-01 00:00:09+00';
insert into scheduler.events (event_type, user_id, payload, created_at) values
  ('order_placed', tests.fx('owner'), '{"n": 4}', '2031-10-01 00:00:09.5+00'),
  ('order_placed', tests.fx('owner'), '{"n": 3}', '2031-10-01 00:00:09+00');
-- another owner's event of the same name, in the window
insert into scheduler.events (event_type, user_id, payload) values ('order_placed', tests.fx('other'), '{"n": 99}');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('digest')), 1, 'four events in the window: still one run');
select is((select inputs from scheduler.task_runs where task_id = tests.fx('digest')), '{"n": 4}'::jsonb, 'with the last one''s payload');
select is((select r.event_id from scheduler.task_runs r where r.task_id = tests.fx('digest')),
  (select e.id from scheduler.events e where e.payload = '{"n": 4}' and e.user_id = tests.fx('owner')), 'named by the last event');
select is((select wait_reason from scheduler.task_runs where task_id = tests.fx('digest')),
  'debounced: 4 events within 00:00:10 (debounce_window), the last one''s payload as its inputs (debounce_inputs last)',
  'saying how many it gathered; the other owner''s event is not among them');

select is_empty($$ select * from tests.claim('2031-10-01 00:00:05+00') $$, 'the claim does not take it ahead of its second, lookahead or not');
select results_eq($$ select tests.dispatch_started('2031-10-01 00:00:10+00') $$, $$ values (tests.fx('digest')) $$, 'at its second it starts');
set local scheduler.now = '2031-10-01 00:00:11+00';
insert into scheduler.events (event_type, user_id, payload) values ('order_placed', tests.fx('owner'), '{"n": 5}');
select is((select array_agg(scheduled_time order by scheduled_time) from scheduler.task_runs where task_id = tests.fx('digest')),
  array['2031-10-01 00:00:10+00', '2031-10-01 00:00:21+00']::timestamptz[], 'an event after the window opens the next one');

-- all: every event of the window, in order
set local scheduler.now = '2031-10-02 00:00:00+00';
select tests.mk_task('batcher', '{"type": "event"}');
update scheduler.tasks set debounce_window = '5 seconds', debounce_inputs = 'all' where id = tests.fx('batcher');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('batcher'), 'row_changed');
insert into scheduler.events (event_type, user_id, payload, created_at) values
  ('row_changed', tests.fx('owner'), '{"id": "a"}', '2031-10-02 00:00:00+00'),
  ('row_changed', tests.fx('owner'), '{"id": "b"}', '2031-10-02 00:00:00.1+00');
set local scheduler.now = '2031-10-02 00:00:03+00';
insert into scheduler.events (event_type, user_id, payload) values ('row_changed', tests.fx('owner'), '{"id": "c"}');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('batcher')), 1, 'all: three events, one run');
select is((select array(select e -> 'payload' ->> 'id' from jsonb_array_elements(inputs -> 'events') e)
           from scheduler.task_runs where task_id = tests.fx('batcher')), array['a', 'b', 'c'], 'with every event, in order');
select is((select (inputs -> 'events' -> 2 ->> 'event_id')::uuid = event_id and triggered_by = 'event:row_changed'
           from scheduler.task_runs where task_id = tests.fx('batcher')), true, 'each with its id and name; the last names the run');
select is((select wait_reason from scheduler.task_runs where task_id = tests.fx('batcher')),
  'debounced: 3 events within 00:00:05 (debounce_window), all of them in its inputs.events (debounce_inputs all)', 'and says so');

-- all, past the 64 KiB of a run's inputs: the next event opens a run of its own
set local scheduler.now = '2031-10-03 00:00:00+00';
select tests.mk_task('bulk', '{"type": "event"}');
update scheduler.tasks set debounce_window = '5 seconds', debounce_inputs = 'all' where id = tests.fx('bulk');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('bulk'), 'bulk_load');
insert into scheduler.events (event_type, user_id, payload, created_at)
select 'bulk_load', tests.fx('owner'), jsonb_build_object('i', g, 'blob', repeat('x', 30000)), '2031-10-03 00:00:00+00'::timestamptz + g * interval '1 millisecond'
from generate_series(1, 3) g;
select is((select array_agg(jsonb_array_length(inputs -> 'events') order by jsonb_array_length(inputs -> 'events') desc) from scheduler.task_runs where task_id = tests.fx('bulk')),
  array[2, 1], 'three events of 30 KB: two runs, of two and of one');
select ok((select bool_and(octet_length(inputs::text) <= 65536) from scheduler.task_runs where task_id = tests.fx('bulk')),
  'each within the limit of a run''s inputs');
-- an event too large to go with the envelope is named, its payload left in
-- events (in a window of its own here)
set local scheduler.now = '2031-10-03 00:00:06+00';
insert into scheduler.events (event_type, user_id, payload) values ('bulk_load', tests.fx('owner'), jsonb_build_object('blob', repeat('y', 65500)));
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('bulk')), 3, 'an event of 64 KiB, in the next window');
select ok((select inputs -> 'events' -> 0 ->> 'payload_omitted' like 'the payload is 65512 bytes, too large to go with the others; read it from scheduler.events by event_id'
           from scheduler.task_runs where task_id = tests.fx('bulk') order by scheduled_time desc, id desc limit 1),
  'which names it, and says where its payload is');

select * from finish();
rollback;
