-- scheduler_internal.clock_now, the clock the triggers read: now(), unless
-- the transaction pins scheduler.now (as every engine test does).
begin;
\ir ../_helpers/setup.psql
select plan(3);

select is(scheduler_internal.clock_now(), now(), 'without a pin it is now()');
set local scheduler.now = '2031-01-01 00:00:00+00';
select is(scheduler_internal.clock_now(), '2031-01-01 00:00:00+00'::timestamptz, 'scheduler.now pins it for the transaction');
set local scheduler.now = '';
select is(scheduler_internal.clock_now(), now(), 'and an empty pin is no pin');

select * from finish();
rollback;
