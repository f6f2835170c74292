-- scheduler_internal.tg_tasks__validate: bad task input is refused with a
-- message that says what to fix (the check constraints stay as the
-- backstop); event and manual tasks need no schedule.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select tests.seed_users();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, action_type) values ('x', 'ftp')$$,
  '22023', 'unknown action_type "ftp": expected one of http, ai-prompt, notify', 'an unknown action_type is refused');
select throws_ok($$insert into scheduler.tasks (name, action_type, schedule_cron) values ('x', 'notify', '61 * * * *')$$,
  '22023', 'invalid cron expression "61 * * * *": minute field: value 61 out of range 0-59', 'a cron expression that does not parse is refused');
select throws_ok($$insert into scheduler.tasks (name, action_type) values ('x', 'notify')$$,
  '22023', 'a scheduled task needs schedule_cron, schedule_interval or run_at (or make it an event or manual task)', 'a scheduled task without a schedule is refused');
select throws_ok($$insert into scheduler.tasks (name, action_type, schedule_cron, schedule_interval) values ('x', 'notify', '* * * * *', '1 minute')$$,
  '22023', 'a task has one schedule: set only one of schedule_cron, schedule_interval or run_at', 'two schedules are refused');
select throws_ok($$insert into scheduler.tasks (name, action_type, schedule_cron, timezone) values ('x', 'notify', '* * * * *', 'Mars/Olympus')$$,
  '22023', 'invalid timezone "Mars/Olympus": expected an IANA name such as UTC or Europe/Berlin', 'an unknown timezone is refused');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('event task', 'event', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  'an event task needs no schedule');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('manual task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$,
  'a manual task needs no schedule');
select lives_ok($$insert into scheduler.tasks (name, action_type, action_payload, schedule_cron, timezone) values ('cron task', 'notify', '{"channel": "web", "title": "t", "message": "m"}', '30 2 * * MON-FRI', 'Europe/Berlin')$$,
  'a valid cron task is accepted');

select * from finish();
rollback;
