-- scheduler_internal.uuid_v7: history rows get time-ordered ids (UUID
-- version 7, the milliseconds first), so ids made later sort after earlier
-- ones and new rows land at the right edge of their primary key.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select is(substr(scheduler_internal.uuid_v7('2030-05-01 12:00:00+00')::text, 15, 1), '7', 'the version nibble is 7');
select ok(substr(scheduler_internal.uuid_v7('2030-05-01 12:00:00+00')::text, 20, 1) in ('8', '9', 'a', 'b'), 'with the RFC 9562 variant');
select is(substr(replace(scheduler_internal.uuid_v7('2030-05-01 12:00:00.123+00')::text, '-', ''), 1, 12),
  lpad(to_hex((extract(epoch from '2030-05-01 12:00:00.123+00'::timestamptz) * 1000)::bigint), 12, '0'),
  'the first 48 bits are the Unix milliseconds');
select ok(scheduler_internal.uuid_v7('2030-05-01 12:00:00.001+00') < scheduler_internal.uuid_v7('2030-05-01 12:00:00.002+00'),
  'an id from a later millisecond sorts after an earlier one');
select isnt(scheduler_internal.uuid_v7('2030-05-01 12:00:00+00'), scheduler_internal.uuid_v7('2030-05-01 12:00:00+00'),
  'two ids in the same millisecond differ');
select is(
  (select count(*)::int from (values ('task_runs'), ('audit_trail'), ('system_logs'), ('notifications'), ('events')) t(name)
   where (select column_default from information_schema.columns c
          where c.table_schema = 'scheduler' and c.table_name = t.name and c.column_name = 'id') = 'scheduler_internal.uuid_v7()'),
  5, 'runs, the audit trail, logs, notifications and events default to them');
select tests.create_user('owner');
insert into scheduler.notifications (user_id, title, message, type, priority, channel)
values (tests.fx('owner'), 't', 'm', 'info', 'low', 'web');
select is((select substr(id::text, 15, 1) from scheduler.notifications where user_id = tests.fx('owner')), '7',
  'a row inserted without an id gets one');

select * from finish();
rollback;
