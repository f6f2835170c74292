-- scheduler_internal.tg_tasks__validate: bad task input is refused with a
-- message that says what to fix (the check constraints stay as the
-- backstop); event and manual tasks need no schedule.
begin;
\ir ../_helpers/setup.psql
select plan(15);

select tests.seed_users();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, action_type) values ('x', 'ftp')$$,
  '22023', 'unknown action_type "ftp": expected one of http, ai-prompt, notify, sql, edge-function, watch', 'an unknown action_type is refused');
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

select throws_ok($$insert into scheduler.tasks (name, action_type, schedule_interval, action_payload) values ('x', 'notify', '500 milliseconds', '{"channel": "web", "title": "t", "message": "m"}')$$,
  '22023', 'schedule_interval must be at least 1 second, got 00:00:00.5', 'an interval under a second names the field and the limit');
-- sizes: every claim carries these to the action
select throws_ok(format($$insert into scheduler.tasks (name, type, action_type, action_payload, description) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', %L)$$, repeat('d', 10001)),
  '22023', 'description: is 10001 characters; the limit is 10000', 'a description over 10,000 characters is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, tags) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', array(select g::text from generate_series(1, 101) g))$$,
  '22023', 'tags: at most 100, each 1 to 100 characters (got 101)', 'more than 100 tags are refused');
select throws_ok(format($$insert into scheduler.tasks (name, type, action_type, action_payload, metadata) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', %L)$$, jsonb_build_object('blob', repeat('m', 70000))),
  '22023', 'metadata: is 70012 bytes of JSON; the limit is 65536', 'metadata over 64 KiB is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload, metadata) values ('x', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', '[1, 2]')$$,
  '22023', 'metadata: must be a JSON object, got array', 'metadata must be an object');
select throws_ok(format($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'http', %L)$$, jsonb_build_object('url', 'https://example.com', 'method', 'POST', 'body', repeat('b', 1100000))),
  '22023', 'invalid action_payload for http: payload: is 1100060 bytes of JSON; the limit is 262144', 'an http body of 1.1 MB is refused');
select lives_ok(format($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('big enough', 'manual', 'http', %L)$$, jsonb_build_object('url', 'https://example.com', 'method', 'POST', 'body', repeat('b', 200000))),
  'an http body of 200 KB is fine');

select * from finish();
rollback;
