-- scheduler_internal.action_payload_error, through the tasks trigger that
-- calls it (tg_tasks__validate_payload): a payload that does not match its
-- action's schema is refused with a message naming the field.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'http', '{"url": "ftp://example.com"}')$$,
  '22023', 'invalid action_payload for http: url: must be an absolute http(s) URL', 'a malformed http payload is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'notify', '{"channel": "pigeon"}')$$,
  '22023', 'invalid action_payload for notify: channel: must be one of web, email, webhook', 'an unknown notify channel is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'ai-prompt', '{"prompt": "hi", "temprature": 1}')$$,
  '22023', 'invalid action_payload for ai-prompt: unknown field temprature', 'a misspelt payload field is refused');

select * from finish();
rollback;
