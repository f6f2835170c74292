-- scheduler.plan_next_look: when the looking dispatcher looks next, over
-- one due task (everything else due in the database is removed in this
-- transaction): stop when nothing is due before the deadline, otherwise
-- the next due time minus the lookahead, no sooner than 80 % of a
-- lookahead later, no later than a second before the run is due; an older
-- invocation stops while a newer one looks.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
set local scheduler.now = '2035-01-01 02:00:00+00';
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
delete from scheduler.tasks;
select tests.mk_task('at_three', '{"run_at": "2035-01-01 03:00:00+00"}');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:50:00+00', '2035-01-01 02:51:00+00'), null,
  'nothing due before the deadline: stop');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:00+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:50+00'::timestamptz,
  'otherwise the next due time minus the lookahead');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:49+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:57+00'::timestamptz,
  'but no sooner than 80 % of a lookahead later: a round hands over a window of due times, not each one as it comes in reach');
select is(scheduler.plan_next_look('d1', '2035-01-01 02:59:55+00', '2035-01-01 03:00:30+00'), '2035-01-01 02:59:59+00'::timestamptz,
  'and never later than a second before the run is due');
select is(scheduler.plan_next_look('d0', '2035-01-01 02:59:01+00', '2035-01-01 03:00:00+00'), null,
  'an older invocation (it would stay less long) stops while a newer one looks');

select * from finish();
rollback;
