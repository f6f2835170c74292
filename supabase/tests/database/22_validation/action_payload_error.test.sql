-- scheduler_internal.action_payload_error, through the tasks trigger that
-- calls it (tg_tasks__validate_payload): a payload that does not match its
-- action's schema is refused with a message naming the field.
begin;
\ir ../_helpers/setup.psql
select plan(10);

select tests.seed_users();
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'http', '{"url": "ftp://example.com"}')$$,
  '22023', 'invalid action_payload for http: url: must be an absolute http(s) URL', 'a malformed http payload is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'notify', '{"channel": "pigeon"}')$$,
  '22023', 'invalid action_payload for notify: channel: must be one of web, email, webhook', 'an unknown notify channel is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'ai-prompt', '{"prompt": "hi", "temprature": 1}')$$,
  '22023', 'invalid action_payload for ai-prompt: unknown field temprature', 'a misspelt payload field is refused');

-- watch (scheduler_internal.watch_payload_error): the source, the locations, the bounds
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"items": "/orders"}')$$,
  '22023', 'invalid action_payload for watch: source: is required (an object: {"type": "http", "url": ...})', 'a watcher needs a source');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "ftp", "url": "ftp://example.com"}}')$$,
  '22023', 'invalid action_payload for watch: source.type: must be one of http, sql', 'an unknown source type is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "sql", "url": "https://example.com", "args": [1], "run_as": "postgres"}}')$$,
  '22023', 'invalid action_payload for watch: source.unknown field url; source.function: is required; source.args: must be a object; source.run_as: must be one of owner, service_role',
  'a sql source takes the sql action''s fields, each named under source');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "sql", "function": "new_orders", "max_response_bytes": 0}}')$$,
  '22023', 'invalid action_payload for watch: source.function: must be a schema-qualified function name, like public.new_orders; source.max_response_bytes: must be between 1 and 1048576',
  'a sql source''s function is schema-qualified, and its result bounded');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "http", "url": "http://[nope"}, "items": "orders..x", "key": "/a~2b"}')$$,
  '22023', 'invalid action_payload for watch: source.url: must be an absolute http(s) URL; items: must be a JSON pointer (/data/items) or a dotted path (data.items); key: must be a JSON pointer (/data/items) or a dotted path (data.items)',
  'a bad URL, path and pointer are each named');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "http", "url": "https://example.com", "max_response_bytes": 2097152}, "max_events_per_poll": 0, "seen_limit": 100001}')$$,
  '22023', 'invalid action_payload for watch: source.max_response_bytes: must be between 1 and 1048576; max_events_per_poll: must be between 1 and 1000; seen_limit: must be between 1 and 100000',
  'the bounds of an answer, a poll and the seen-set are enforced');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'watch', '{"source": {"type": "http", "url": "https://example.com"}, "mode": "hash", "key": "id"}')$$,
  '22023', 'invalid action_payload for watch: key: only for mode items (mode hash compares the hash of the whole answer)', 'mode hash takes no key');

select * from finish();
rollback;
