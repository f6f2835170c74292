-- scheduler_internal.tg_tasks__schedule: next_run_at is kept by the
-- trigger on insert, on a schedule change (in the task's timezone) and on
-- resuming, which continues at the next due time with no catch-up run.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
select tests.mk_task('every90', '{"every": "90 seconds"}');
select is((select next_run_at from scheduler.tasks where id = tests.fx('cron5')), '2031-01-01 00:05:00+00', 'a cron task gets its next due time on insert');
select is((select next_run_at from scheduler.tasks where id = tests.fx('every90')), '2031-01-01 00:01:30+00', 'an interval task is due one interval after creation');
update scheduler.tasks set schedule_cron = '0 9 * * *', timezone = 'Europe/Berlin' where id = tests.fx('cron5');
select is((select next_run_at from scheduler.tasks where id = tests.fx('cron5')), '2031-01-01 08:00:00+00', 'a schedule change recomputes next_run_at in the task''s timezone');

set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('resumed', '{"every": "1 minute", "misfire": "run_once"}');
update scheduler.tasks set is_active = false where id = tests.fx('resumed');
set local scheduler.now = '2035-01-01 01:05:30+00';
update scheduler.tasks set is_active = true where id = tests.fx('resumed');
select is((select next_run_at from scheduler.tasks where id = tests.fx('resumed')), '2035-01-01 01:06:30+00',
  'a task resumed after a long pause continues at its next due time, with no catch-up run');

select * from finish();
rollback;
