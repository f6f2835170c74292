-- scheduler.record_inbound_event: a delivery of the inbound-events function
-- is recorded once per webhook-id and owner; sent again it returns the
-- event recorded the first time and starts nothing more. The webhook-id is
-- the event's idempotency_key (one mechanism with events' own keys, in the
-- owner's scope and within idempotency_window).
begin;
\ir ../_helpers/setup.psql
select plan(10);

select tests.seed_users();
set local scheduler.now = '2031-05-01 00:00:00+00';
select tests.mk_task('on_paid', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('on_paid'), 'invoice.paid');

create temp table first on commit drop as select * from scheduler.record_inbound_event(tests.fx('owner'), 'msg_1', 'invoice.paid', '{"amount": 5}');
select is((select duplicate from first), false, 'a new webhook-id is recorded as an event');
select is((select (event_type, payload, user_id)::text from scheduler.events where id = (select event_id from first)),
  format('(invoice.paid,"{""amount"": 5}",%s)', tests.fx('owner')), 'of the owner, with the data as payload');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('on_paid')), 1, 'which starts the subscribed task');
select is((select (event_id, duplicate)::text from scheduler.record_inbound_event(tests.fx('owner'), 'msg_1', 'invoice.paid', '{"amount": 6}')),
  format('(%s,t)', (select event_id from first)), 'the same webhook-id again returns the event recorded the first time');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('on_paid')), 1, 'and starts nothing more');
select is((select duplicate from scheduler.record_inbound_event(tests.fx('other'), 'msg_1', 'invoice.paid', '{}')), false,
  'ids are per owner: another owner''s msg_1 is an event of its own');

select is((select idempotency_key from scheduler.events where id = (select event_id from first)), 'msg_1',
  'the webhook-id is the event''s idempotency_key');
select is((select count(*)::int from scheduler.events where user_id = tests.fx('owner') and idempotency_key = 'msg_1'), 1,
  'one event holds it');
-- the owner's own insert with that key collapses into the same event
select tests.authenticate_as('owner');
insert into scheduler.events (event_type, payload, idempotency_key) values ('invoice.paid', '{}', 'msg_1');
select tests.clear_authentication();
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('on_paid')), 1,
  'an insert of the owner naming the same key is the same event: nothing more starts');
-- past idempotency_window (24 hours by default) the id is taken anew
set local scheduler.now = '2031-05-02 00:00:01+00';
select is((select duplicate from scheduler.record_inbound_event(tests.fx('owner'), 'msg_1', 'invoice.paid', '{}')), false,
  'past idempotency_window the same webhook-id records a new event');

select * from finish();
rollback;
