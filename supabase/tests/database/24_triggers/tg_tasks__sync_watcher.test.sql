-- scheduler_internal.tg_tasks__sync_watcher: a watch task's state row is
-- made with it, forgotten when what it watches changes (so a changed key or
-- feed does not emit everything again as new), its error streak cleared
-- when it is resumed, and removed when the task stops being a watcher.
begin;
\ir ../_helpers/setup.psql
select plan(15);

select tests.seed_users();
set local scheduler.now = '2034-04-01 00:00:00+00';
select tests.mk_task('feed', '{"action_type": "watch", "action_payload": {"source": {"type": "http", "url": "https://example.com/a.json"}, "items": "/items", "key": "id", "max_events_per_poll": 5}}');
select tests.mk_task('plain', '{}');

select is((select count(*)::int from scheduler.watchers where task_id = tests.fx('feed')), 1, 'a watch task gets its watchers row');
select is_empty($$ select 1 from scheduler.watchers where task_id = tests.fx('plain') $$, 'another task gets none');

-- a watcher that has polled: a seen key, a cursor, a first poll behind it, an error streak
create function tests.polled(p_task text) returns void language sql set search_path = '' as $$
  insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at) values (tests.fx(p_task), 'k1', now(), now())
  on conflict do nothing;
  update scheduler.watchers set cursor = '"2034-03-01"', last_success_at = now(), error_count = 2, paused_at = now(), last_error = 'boom'
  where task_id = tests.fx(p_task);
$$;
select tests.polled('feed');

update scheduler.tasks set action_payload = action_payload || '{"max_events_per_poll": 50, "seen_limit": 500}' where id = tests.fx('feed');
select is((select count(*)::int from scheduler.watcher_seen_items where task_id = tests.fx('feed')), 1,
  'a change to the bounds keeps the seen-set');
select ok((select cursor is not null and last_success_at is not null from scheduler.watchers where task_id = tests.fx('feed')),
  'and the cursor and the first poll');

update scheduler.tasks set action_payload = action_payload || '{"key": "uuid"}' where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$,
  'another key forgets the seen-set (its keys would not match the new ones)');
select ok((select cursor is null and last_success_at is null from scheduler.watchers where task_id = tests.fx('feed')),
  'and the cursor, so the next poll is a first poll again (seed_first_poll)');
select tests.polled('feed');
update scheduler.tasks set action_payload = jsonb_set(action_payload, '{source,url}', '"https://example.com/b.json"') where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$, 'so does another URL');

-- a database function as the source: another function, or other arguments, is another feed
create function public.tap_sw_rows(p_kind text default 'all') returns setof integer language sql stable as $$ select 1 $$;
grant execute on function public.tap_sw_rows(text) to authenticated;
update scheduler.tasks set action_payload = action_payload || '{"source": {"type": "sql", "function": "public.tap_sw_rows"}}' where id = tests.fx('feed');
select tests.polled('feed');
update scheduler.tasks set action_payload = action_payload || '{"max_events_per_poll": 7}' where id = tests.fx('feed');
select is((select count(*)::int from scheduler.watcher_seen_items where task_id = tests.fx('feed')), 1,
  'a function source keeps its seen-set through a change to the bounds');
update scheduler.tasks set action_payload = jsonb_set(action_payload, '{source,args}', '{"p_kind": "open"}') where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$, 'but other arguments forget it');
select tests.polled('feed');
update scheduler.tasks set action_payload = jsonb_set(action_payload, '{source}', '{"type": "http", "url": "https://example.com/b.json"}') where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$, 'and so does going back to a URL');

-- the streak: kept while paused, cleared on resume
select tests.polled('feed');
update scheduler.tasks set is_active = false where id = tests.fx('feed');
select is((select error_count from scheduler.watchers where task_id = tests.fx('feed')), 2, 'pausing keeps the error streak');
update scheduler.tasks set is_active = true where id = tests.fx('feed');
select is((select (error_count, paused_at, last_error)::text from scheduler.watchers where task_id = tests.fx('feed')), '(0,,boom)',
  'resuming clears the streak and paused_at (the last error stays on record)');

-- no longer a watcher, then a watcher again
update scheduler.tasks set action_type = 'notify', action_payload = '{"channel": "web", "title": "t"}' where id = tests.fx('feed');
select is_empty($$ select 1 from scheduler.watchers where task_id = tests.fx('feed') union all select 1 from scheduler.watcher_seen_items where task_id = tests.fx('feed') $$,
  'a task that stops being a watcher loses its state and seen-set');
update scheduler.tasks set action_type = 'watch', action_payload = '{"source": {"type": "http", "url": "https://example.com/c.json"}}' where id = tests.fx('feed');
select is((select (error_count, cursor, last_success_at)::text from scheduler.watchers where task_id = tests.fx('feed')), '(0,,)',
  'and one that becomes a watcher starts afresh');

-- as a signed-in user, who may not write watchers themselves
select tests.authenticate_as('owner');
insert into scheduler.tasks (name, type, action_type, action_payload) values ('mine', 'manual', 'watch', '{"source": {"type": "http", "url": "https://example.com/d.json"}, "mode": "hash"}');
select is((select count(*)::int from scheduler.watchers w join scheduler.tasks t on t.id = w.task_id where t.name = 'mine'), 1,
  'a user''s own watch task gets its row too (the trigger is the engine''s)');

select * from finish();
rollback;
