-- Realtime on scheduler.notifications (supabase/schemas/50_realtime): the
-- table is published, and a recipient reads their notifications as
-- authenticated, which Realtime checks before it streams a row to a
-- subscriber; nobody else sees them.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select tests.create_user('recipient');
select tests.create_user('stranger');
with n as (insert into scheduler.notifications (user_id, title, message) values (tests.fx('recipient'), 'Run failed', 'for good') returning id)
select tests.remember('notification', id) from n;

select ok(exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'scheduler' and tablename = 'notifications'),
  'notifications are published to Realtime');
select ok(has_table_privilege('authenticated', 'scheduler.notifications', 'select'),
  'authenticated may select notifications, which Realtime checks before it streams a row to a subscriber');
select is(tests.outcome_as('recipient', $$select * from scheduler.notifications where id = tests.fx('notification')$$), '1',
  'the recipient reads the notification as authenticated');
select is(tests.outcome_as('stranger', $$select * from scheduler.notifications where id = tests.fx('notification')$$), '0',
  'another user does not see it');
select is(tests.outcome_as('recipient', $$update scheduler.notifications set status = 'read', read_at = now() where id = tests.fx('notification')$$), '1',
  'the recipient marks it read');
select is(tests.outcome_as('recipient', $$update scheduler.notifications set title = 'Run succeeded' where id = tests.fx('notification')$$), '42501',
  'and changes nothing else of it');
select is(tests.outcome_as('anon', $$select * from scheduler.notifications$$), '42501',
  'anon reads no notification');

select * from finish();
rollback;
