-- scheduler.watchers and scheduler.watcher_seen_items: one state row per
-- watch task, gone with it; the seen-set hangs off it; the constraints
-- refuse what the engine never writes.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select tests.seed_users();
set local scheduler.now = '2034-05-01 00:00:00+00';
select tests.mk_task('feed', '{"action_type": "watch", "action_payload": {"source": {"type": "http", "url": "https://example.com/a.json"}}}');
insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (tests.fx('feed'), 'k1', now(), now());

select throws_ok($$ insert into scheduler.watchers (task_id) values (tests.fx('feed')) $$, '23505', null, 'one state row per task');
select throws_ok($$ update scheduler.watchers set error_count = -1 where task_id = tests.fx('feed') $$, '23514', null, 'error_count is never negative');
select throws_ok($$ update scheduler.watchers set last_error = repeat('x', 2001) where task_id = tests.fx('feed') $$, '23514', null,
  'last_error is bounded (the functions cut it at 2000 characters)');
select throws_ok($$ insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (tests.fx('feed'), repeat('k', 513), now(), now()) $$,
  '23514', null, 'a dedupe key is at most 512 characters (longer ones are kept as sha256:<hex>)');
select throws_ok($$ insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (tests.fx('feed'), 'k1', now(), now()) $$,
  '23505', null, 'a key is seen once per watcher');
select throws_ok($$ insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (gen_random_uuid(), 'k', now(), now()) $$,
  '23503', null, 'a seen key belongs to a watcher');

delete from scheduler.tasks where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watchers where task_id = tests.fx('feed') $$, 'deleting the task deletes its state');
select is_empty($$ select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$, 'and its seen-set');

select * from finish();
rollback;
