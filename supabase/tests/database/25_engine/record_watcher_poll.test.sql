-- scheduler.record_watcher_poll: a watcher's poll in one transaction.
-- Exactly the new items become events, one each, in order, capped per poll
-- (the rest wait for the next poll); the first poll seeds the seen-set
-- without events unless told otherwise; a high-water mark drops what is
-- older; the seen-set keeps its bounds; mode hash emits when the answer
-- changes; a poll repeated emits nothing twice, and only the worker running
-- the poll can record it. The events start the tasks subscribed to them.
begin;
\ir ../_helpers/setup.psql
select plan(32);

select tests.seed_users();
set local scheduler.now = '2035-06-01 00:00:00+00';

create function tests.watch_payload(p_extra jsonb) returns jsonb language sql immutable set search_path = '' as $$
  select '{"source": {"type": "http", "url": "https://example.com/orders.json"}, "items": "/orders", "key": "id"}'::jsonb || p_extra
$$;
-- a run of the watcher, running for p_worker as the start gate leaves it
create function tests.watch_run(p_task text, p_at timestamptz, p_worker text default 'w1') returns uuid
language sql set search_path = '' as $$
  insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, start_time, locked_at, locked_by, lease_expires_at)
  values (tests.fx(p_task), p_at, 'running', 'manual', p_at, p_at, p_worker, p_at + interval '5 minutes')
  returning id
$$;
-- one poll at p_at whose answer lists the orders with these ids, in this order
create function tests.poll(p_task text, p_ids integer[], p_at timestamptz) returns jsonb
language sql set search_path = '' as $$
  select scheduler.record_watcher_poll(tests.watch_run(p_task, p_at), 'w1',
    coalesce((select jsonb_agg(jsonb_build_object('key', i::text, 'item', jsonb_build_object('id', i, 'total', i * 10)) order by n)
              from unnest(p_ids) with ordinality u(i, n)), '[]'), p_at)
$$;
create function tests.emitted_keys(p_task text) returns text[] language sql stable set search_path = '' as $$
  select coalesce(array_agg(payload ->> 'key' order by id), '{}') from scheduler.events where task_id = tests.fx(p_task)
$$;

select tests.mk_task('orders', jsonb_build_object('name', 'orders', 'action_type', 'watch', 'action_payload', tests.watch_payload('{"max_events_per_poll": 3}')));
update scheduler.tasks set name = 'Orders feed' where id = tests.fx('orders');
-- a task of the same owner subscribed to the watcher's name; one of another owner is not started
select tests.mk_task('on_order', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('on_order'), 'Orders feed');
select tests.mk_task('strangers', '{"type": "event", "owner": "other"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('strangers'), 'Orders feed');

-- the first poll seeds
select is(tests.poll('orders', '{1,2,3}', '2035-06-01 00:00:00+00') - 'forgotten' - 'cursor',
  '{"mode": "items", "items_seen": 3, "duplicates": 0, "already_seen": 0, "below_cursor": 0, "new": 3, "emitted": 0, "seeded": 3,
    "capped": false, "left_for_next_poll": 0, "max_events_per_poll": 3, "first_poll": true}'::jsonb,
  'the first poll remembers what is there and emits nothing (seed_first_poll)');
select is(tests.emitted_keys('orders'), '{}', 'no events');
select is((select count(*)::int from scheduler.watcher_seen_items where task_id = tests.fx('orders') and event_id is null), 3, 'three keys seen');

-- new items, listed among old ones (and one twice)
select is(tests.poll('orders', '{5,1,4,2,5,3}', '2035-06-01 00:01:00+00') - 'forgotten' - 'cursor',
  '{"mode": "items", "items_seen": 6, "duplicates": 1, "already_seen": 3, "below_cursor": 0, "new": 2, "emitted": 2, "seeded": 0,
    "capped": false, "left_for_next_poll": 0, "max_events_per_poll": 3, "first_poll": false}'::jsonb,
  'the next poll finds exactly the two new items');
select is(tests.emitted_keys('orders'), '{5,4}', 'one event each, in the order the answer lists them');
select is((select array_agg(jsonb_build_object('type', event_type, 'owner', user_id = tests.fx('owner'), 'payload', payload) order by id)
           from scheduler.events where task_id = tests.fx('orders')),
  array['{"type": "Orders feed", "owner": true, "payload": {"key": "5", "item": {"id": 5, "total": 50}}}'::jsonb,
        '{"type": "Orders feed", "owner": true, "payload": {"key": "4", "item": {"id": 4, "total": 40}}}'::jsonb],
  'named after the watcher, owned by its owner, carrying the key and the item');
select is((select array_agg(inputs ->> 'key' order by id) from scheduler.task_runs where task_id = tests.fx('on_order')), '{5,4}',
  'the subscribed task is started once per event, its runs in the events'' order, each with its item as inputs');
select is_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('strangers') $$, 'another owner''s task subscribed to the same name is not');
select is((select array_agg(event_id is not null order by dedupe_key) from scheduler.watcher_seen_items where task_id = tests.fx('orders')),
  '{f,f,f,t,t}', 'the seen-set records the event each emitted key became');

-- more new items than one poll emits
select is(tests.poll('orders', '{6,7,8,9,10,1}', '2035-06-01 00:02:00+00') -> 'capped', 'true', 'five new items, three emitted: the poll says it was capped');
select is(tests.emitted_keys('orders'), '{5,4,6,7,8}', 'the first three in order');
select is(tests.poll('orders', '{6,7,8,9,10,1}', '2035-06-01 00:03:00+00') ->> 'emitted', '2', 'the two held back go out with the next poll');
select is(tests.emitted_keys('orders'), '{5,4,6,7,8,9,10}', 'so every new item is emitted exactly once, in order');

-- the same answer again (a repeated poll: a retry after an unknown outcome)
select is(tests.poll('orders', '{6,7,8,9,10,1}', '2035-06-01 00:04:00+00') ->> 'emitted', '0', 'an answer already recorded emits nothing');
select is(tests.poll('orders', '{}', '2035-06-01 00:05:00+00') ->> 'items_seen', '0', 'an empty list is a poll with nothing new');

-- who may record
select tests.watch_run('orders', '2035-06-01 00:06:00+00', 'w1') as run_w1 \gset
select throws_ok(format($$ select scheduler.record_watcher_poll(%L, 'someone else', '[{"key": "11", "item": {}}]', '2035-06-01 00:06:00+00') $$, :'run_w1'),
  '55000', null, 'another worker cannot record the poll');
update scheduler.task_runs set status = 'failed', end_time = '2035-06-01 00:06:00+00', error_message = 'outcome unknown' where id = :'run_w1';
select throws_ok(format($$ select scheduler.record_watcher_poll(%L, 'w1', '[{"key": "11", "item": {}}]', '2035-06-01 00:06:00+00') $$, :'run_w1'),
  '55000', null, 'nor can a poll whose run is no longer running (reaped, cancelled)');
select is(tests.emitted_keys('orders'), '{5,4,6,7,8,9,10}', 'and neither emitted anything');
select throws_ok(format($$ select scheduler.record_watcher_poll(%L, 'w1', '[{"item": {}}]', '2035-06-01 00:07:00+00') $$, tests.watch_run('orders', '2035-06-01 00:07:00+00')),
  '22023', 'record_watcher_poll: every item needs a key, a string of at most 512 characters', 'an item without a key is refused');

-- seed_first_poll false: the first poll emits
select tests.mk_task('loud', jsonb_build_object('action_type', 'watch', 'action_payload', tests.watch_payload('{"seed_first_poll": false}')));
select is(tests.poll('loud', '{1,2}', '2035-06-01 00:00:00+00') ->> 'emitted', '2', 'with seed_first_poll false the first poll emits its items');

-- a cursor: a newest-first feed goes out oldest first, and what is below the mark is old
select tests.mk_task('since', jsonb_build_object('action_type', 'watch', 'action_payload', tests.watch_payload('{"cursor": "at", "max_events_per_poll": 2}')));
create function tests.poll_at(p_task text, p_items jsonb, p_at timestamptz) returns jsonb language sql set search_path = '' as $$
  select scheduler.record_watcher_poll(tests.watch_run(p_task, p_at), 'w1',
    (select jsonb_agg(jsonb_build_object('key', e ->> 'id', 'item', e, 'cursor', e -> 'at') order by n) from jsonb_array_elements(p_items) with ordinality x(e, n)), p_at)
$$;
select tests.poll_at('since', '[{"id": "a", "at": "2035-05-01T10:00:00Z"}]', '2035-06-01 00:00:00+00');
select is(tests.poll_at('since', '[{"id": "d", "at": "2035-05-04T10:00:00Z"}, {"id": "c", "at": "2035-05-03T10:00:00Z"},
                                   {"id": "b", "at": "2035-05-02T10:00:00Z"}, {"id": "a", "at": "2035-05-01T10:00:00Z"}]', '2035-06-01 00:01:00+00') ->> 'cursor',
  '2035-05-03T10:00:00Z', 'the cursor moves to the newest item emitted');
select is(tests.emitted_keys('since'), '{b,c}', 'new items go out oldest first, capped; d waits');
delete from scheduler.watcher_seen_items where task_id = tests.fx('since');
select is(tests.poll_at('since', '[{"id": "d", "at": "2035-05-04T10:00:00Z"}, {"id": "c", "at": "2035-05-03T10:00:00Z"},
                                   {"id": "b", "at": "2035-05-02T10:00:00Z"}, {"id": "a", "at": "2035-05-01T10:00:00Z"}]', '2035-06-01 00:02:00+00')
          - 'forgotten' - 'cursor' - 'capped' - 'left_for_next_poll' - 'max_events_per_poll' - 'first_poll' - 'mode',
  '{"items_seen": 4, "duplicates": 0, "already_seen": 0, "below_cursor": 2, "new": 2, "emitted": 2, "seeded": 0}'::jsonb,
  'with the seen-set forgotten, items below the mark are still old; the one at the mark is deduped by key only');
select is(tests.emitted_keys('since'), '{b,c,c,d}', 'so only the mark''s own item (forgotten) and d go out');

-- the seen-set's bounds
select tests.mk_task('bounded', jsonb_build_object('action_type', 'watch', 'action_payload', tests.watch_payload('{"seen_limit": 3, "seen_max_age_days": 1}')));
select tests.poll('bounded', '{1,2}', '2035-06-01 00:00:00+00');
select tests.poll('bounded', '{3}', '2035-06-01 00:10:00+00');
select is(tests.poll('bounded', '{4,5}', '2035-06-01 00:20:00+00') ->> 'forgotten', '2', 'beyond seen_limit the least recently seen keys are forgotten');
select is((select array_agg(dedupe_key order by dedupe_key) from scheduler.watcher_seen_items where task_id = tests.fx('bounded')), '{3,4,5}',
  'never one listed now');
select throws_ok($$ select tests.poll('bounded', '{1,2,3,4}', '2035-06-01 00:30:00+00') $$, '22023',
  'the answer lists 4 items, more than seen_limit (3): items still listed would be forgotten and emitted again; raise seen_limit or pick fewer items',
  'an answer listing more items than the seen-set holds is refused, recording nothing');
select is(tests.poll('bounded', '{5}', '2035-06-02 00:25:00+00') ->> 'forgotten', '2', 'keys not listed for seen_max_age_days are forgotten');
select is((select array_agg(dedupe_key) from scheduler.watcher_seen_items where task_id = tests.fx('bounded')), '{5}', 'and the one still listed stays');

-- mode hash: an event when the answer changes
select tests.mk_task('page', '{"action_type": "watch", "action_payload": {"source": {"type": "http", "url": "https://example.com/"}, "mode": "hash"}}');
create function tests.poll_hash(p_hash text, p_at timestamptz) returns jsonb language sql set search_path = '' as $$
  select scheduler.record_watcher_poll(tests.watch_run('page', p_at), 'w1', jsonb_build_array(jsonb_build_object('key', p_hash, 'item', '{"status": 200}'::jsonb)), p_at)
$$;
select is(tests.poll_hash('h1', '2035-06-01 00:00:00+00') ->> 'seeded', '1', 'the first hash is remembered without an event');
select is(array[tests.poll_hash('h1', '2035-06-01 00:01:00+00') ->> 'emitted', tests.poll_hash('h2', '2035-06-01 00:02:00+00') ->> 'emitted',
                tests.poll_hash('h1', '2035-06-01 00:03:00+00') ->> 'emitted'], '{0,1,1}',
  'the same answer emits nothing; a change emits, and so does a change back');
select is((select array_agg(payload -> 'item' order by id) from scheduler.events where task_id = tests.fx('page')),
  array['{"status": 200, "hash": "h2", "previous_hash": "h1"}'::jsonb, '{"status": 200, "hash": "h1", "previous_hash": "h2"}'::jsonb],
  'each change''s event carries the new hash and the one before');

select * from finish();
rollback;
