-- scheduler_internal.tg_events__append_only: events are never updated or
-- deleted or truncated, not even by service work or the table's owner, but the foreign keys' cascades still
-- apply.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
select tests.mk_task('b');
insert into scheduler.events (event_type, user_id, task_id) values ('kept', tests.fx('owner'), tests.fx('b'));
select throws_ok($$delete from scheduler.events where event_type = 'kept'$$, '42501', 'events are append-only: delete is not allowed',
  'even service work cannot delete an event');
select throws_ok($$update scheduler.events set payload = '{"changed": true}' where event_type = 'kept'$$, '42501', null,
  'nor change one');
-- cascade: inbound deliveries reference events, and a plain truncate stops at that foreign key (0A000)
select throws_ok($$truncate scheduler.events cascade$$, '42501', 'events are append-only: truncate is not allowed (the event_retention setting prunes them)',
  'nor truncate them, not even as the table''s owner');
delete from scheduler.tasks where id = tests.fx('b');
select is((select task_id from scheduler.events where event_type = 'kept'), null, 'deleting a task clears its events'' link');
delete from auth.users where id = tests.fx('owner');
select is_empty($$select 1 from scheduler.events where event_type = 'kept'$$, 'deleting a user removes their events');

select * from finish();
rollback;
