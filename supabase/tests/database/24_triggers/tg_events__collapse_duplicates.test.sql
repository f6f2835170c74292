-- scheduler_internal.tg_events__collapse_duplicates (and the key's check in
-- tg_events__validate): webhook-driven events arrive twice, so an event
-- whose owner recorded one with the same idempotency_key inside the
-- idempotency_window setting is not recorded and starts nothing; the
-- insert reports no row. Keys are per owner; a duplicate inside one
-- statement collapses too; an insert for another user is refused by the
-- policy as before (a silent drop would tell a stranger which keys someone
-- used). Concurrent inserts: tests/engine/runs-concurrency.test.ts.
begin;
\ir ../_helpers/setup.psql
select plan(13);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('on_order', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('on_order'), 'order_paid');
select tests.mk_task('their_hook', '{"type": "event", "owner": "other"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('their_hook'), 'order_paid');

select tests.authenticate_as('owner');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, payload, idempotency_key) values ('order_paid', '{"order": 1}', 'msg_1') $$), 1,
  'the first event with a key is recorded');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, payload, idempotency_key) values ('order_paid', '{"order": 1}', 'msg_1') $$), 0,
  'its duplicate is not: the insert reports no row');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, payload, idempotency_key) values
  ('order_paid', '{"order": 2}', 'msg_2'), ('order_paid', '{"order": 2}', 'msg_2'), ('order_paid', '{"order": 3}', null), ('order_paid', '{"order": 3}', null) $$), 3,
  'inside one statement too; events without a key are all recorded');
select tests.clear_authentication();
select is((select array_agg(inputs ->> 'order' order by created_at, inputs ->> 'order') from scheduler.task_runs where task_id = tests.fx('on_order')),
  array['1', '2', '3', '3'], 'a duplicate starts nothing: one run per recorded event');
select is((select count(*)::integer from scheduler.events where user_id = tests.fx('owner') and idempotency_key = 'msg_1'), 1,
  'and the owner finds the one event by its key');

-- service work (an inbound webhook function) collapses the same way
select tests.authenticate_as_service_role();
select is(tests.rows_affected(format($$ insert into scheduler.events (event_type, user_id, idempotency_key) values ('order_paid', %L, 'msg_1') $$, tests.fx('owner'))), 0,
  'a duplicate recorded by service work for the owner is dropped too');
select tests.clear_authentication();

select tests.authenticate_as('other');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', 'msg_1') $$), 1,
  'keys are per owner: another user''s msg_1 is their own');
select throws_ok(format($$ insert into scheduler.events (event_type, user_id, idempotency_key) values ('order_paid', %L, 'msg_1') $$, tests.fx('owner')),
  '42501', null, 'an event for someone else is refused by the policy, duplicate or not, so no one learns another user''s keys');
select tests.clear_authentication();

-- the window is a setting, counted from the first event
set local scheduler.now = '2031-01-01 23:59:59+00';
select tests.authenticate_as('owner');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', 'msg_1') $$), 0,
  'a duplicate a second before the 24 hours are up is dropped');
set local scheduler.now = '2031-01-02 00:00:00+00';
select is(tests.rows_affected($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', 'msg_1') $$), 1,
  'after them the key records a new event');
select tests.clear_authentication();
update scheduler_internal.settings set value = '"1 hour"' where key = 'idempotency_window';
set local scheduler.now = '2031-01-02 01:00:00+00';
select tests.authenticate_as('owner');
select is(tests.rows_affected($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', 'msg_1') $$), 1,
  'with idempotency_window set to an hour, an hour later it does too');

select throws_ok($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', '') $$,
  '22023', 'idempotency_key: must be 1 to 255 characters, got 0', 'an empty key is refused, naming the field');
select throws_ok($$ insert into scheduler.events (event_type, idempotency_key) values ('order_paid', repeat('k', 256)) $$,
  '22023', 'idempotency_key: must be 1 to 255 characters, got 256', 'so is one longer than 255 characters');
select tests.clear_authentication();

select * from finish();
rollback;
