-- scheduler.next_cron_time: the first instant strictly after `after` that
-- matches, on the wall clock of the timezone, with daylight saving as
-- docs/cron.md says. (The differential test against croner over 10,000
-- cases is tests/cron-differential.test.ts; these pin the documented cases.)
begin;
\ir ../_helpers/setup.psql
select plan(8);

select is(scheduler.next_cron_time('*/15 * * * *', 'UTC', '2031-01-01 00:00:00+00'), '2031-01-01 00:15:00+00'::timestamptz,
  'strictly after: a matching `after` is not returned');
select is(scheduler.next_cron_time('@daily', 'UTC', '2031-01-01 00:00:00+00'), '2031-01-02 00:00:00+00'::timestamptz, 'macros');
select is(scheduler.next_cron_time('0 0 29 2 *', 'UTC', '2031-01-01 00:00:00+00'), '2032-02-29 00:00:00+00'::timestamptz,
  'a day that exists only in leap years waits for the next one');
select is(scheduler.next_cron_time('0 9 * * *', 'Europe/Berlin', '2031-03-29 00:00:00+00'), '2031-03-29 08:00:00+00'::timestamptz,
  'evaluated in the timezone (09:00 CET is 08:00 UTC)');
select is(scheduler.next_cron_time('30 2 * * *', 'Europe/Berlin', '2031-03-30 00:00:00+00'), '2031-03-30 01:00:00+00'::timestamptz,
  'a fixed time inside the spring-forward gap runs at the first instant after it, the same day (03:00 CEST)');
select is(scheduler.next_cron_time('30 2 * * *', 'Europe/Berlin', '2031-10-26 00:00:00+00'), '2031-10-26 00:30:00+00'::timestamptz,
  'a fixed time that happens twice on a fall-back day runs at its first occurrence (02:30 CEST)');
select is(scheduler.next_cron_time('30 2 * * *', 'Europe/Berlin', '2031-10-26 00:30:00+00'), '2031-10-27 01:30:00+00'::timestamptz,
  'and only once: the next is the following day');
select is(scheduler.next_cron_time('*/30 * * * *', 'Europe/Berlin', '2031-10-26 00:30:00+00'), '2031-10-26 01:00:00+00'::timestamptz,
  'an interval job runs on both passes of the repeated hour (02:00 CET after 02:30 CEST)');

select * from finish();
rollback;
