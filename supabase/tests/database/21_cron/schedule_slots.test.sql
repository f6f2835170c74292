-- scheduler_internal.schedule_slots: the due times of a schedule in a
-- range (both ends included), in order and at most p_max, whatever the
-- range: cron in its timezone (the DST gap runs at the first instant after
-- it, as next_cron_time says), an interval on its anchor's grid (months
-- stepped by the calendar), a one-off's single time.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select is(array(select scheduler_internal.schedule_slots('0 2 * * *', null, null, 'Europe/Berlin', null,
                                                          '2031-03-29 01:00:00+00', '2031-03-31 00:00:00+00', 10)),
  array['2031-03-29 01:00:00+00', '2031-03-30 01:00:00+00', '2031-03-31 00:00:00+00']::timestamptz[],
  'cron in the timezone; a slot at either end of the range counts; 02:00 on the day it does not exist runs at 03:00');
select is(array(select scheduler_internal.schedule_slots('0 2 * * *', null, null, 'Europe/Berlin', null,
                                                          '2031-03-29 01:00:00.000001+00', '2031-03-30 00:59:59+00', 10)),
  '{}'::timestamptz[], 'nothing between two slots');
select is((select count(*)::integer from scheduler_internal.schedule_slots('* * * * * *', null, null, 'UTC', null,
                                                                           '2031-01-01 00:00:00+00', '2041-01-01 00:00:00+00', 11)),
  11, 'at most p_max, however long the range (a second-level cron over ten years)');
select is(array(select scheduler_internal.schedule_slots(null, '1 hour', null, 'UTC', '2031-01-01 12:17:00+00',
                                                          '2031-01-01 09:00:00+00', '2031-01-01 12:17:00+00', 10)),
  array['2031-01-01 09:17:00+00', '2031-01-01 10:17:00+00', '2031-01-01 11:17:00+00', '2031-01-01 12:17:00+00']::timestamptz[],
  'an interval on the grid of its anchor, backwards from it');
select is(array(select scheduler_internal.schedule_slots(null, '90 minutes', null, 'UTC', '2031-01-01 00:00:00+00',
                                                          '2031-01-01 02:00:00+00', '2031-01-01 06:00:00+00', 10)),
  array['2031-01-01 03:00:00+00', '2031-01-01 04:30:00+00', '2031-01-01 06:00:00+00']::timestamptz[], 'and forwards from it');
select is(array(select scheduler_internal.schedule_slots(null, '1 month', null, 'UTC', '2031-01-31 00:00:00+00',
                                                          '2030-10-01 00:00:00+00', '2031-01-01 00:00:00+00', 10)),
  array['2030-10-31 00:00:00+00', '2030-11-30 00:00:00+00', '2030-12-31 00:00:00+00']::timestamptz[],
  'a month is a calendar month, not 30 days');
select is(array(select scheduler_internal.schedule_slots(null, null, '2031-05-01 09:00:00+00', 'UTC', null,
                                                          '2031-05-01 00:00:00+00', '2031-05-02 00:00:00+00', 10)),
  array['2031-05-01 09:00:00+00']::timestamptz[], 'a one-off is its one time');
select is(array(select scheduler_internal.schedule_slots('0 * * * *', null, null, 'UTC', null,
                                                          '2031-05-02 00:00:00+00', '2031-05-01 00:00:00+00', 10)),
  '{}'::timestamptz[], 'an empty range has none');

select * from finish();
rollback;
