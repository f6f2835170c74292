-- Triggers (updated_at, audit, profile creation, session cleanup, ownership)
-- and every bad-input refusal, each with its message.
begin;
select plan(34);

select tests.remember('u', tests.create_user('u'));
select tests.remember('admin', tests.create_user('admin', 'admin'));

-- profile creation
select is((select name from scheduler.profiles where id = tests.fx('u')), 'u', 'a new auth user gets a profile named from its metadata');
select is((select role::text from scheduler.profiles where id = tests.fx('u')), 'user', 'new profiles are plain users');

-- bad input, refused with messages that say what to fix
select tests.authenticate_as('u');
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
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'http', '{"url": "ftp://example.com"}')$$,
  '22023', 'invalid action_payload for http: url: must be an absolute http(s) URL', 'a malformed http payload is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'notify', '{"channel": "pigeon"}')$$,
  '22023', 'invalid action_payload for notify: channel: must be one of web, email, webhook', 'an unknown notify channel is refused');
select throws_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('x', 'manual', 'ai-prompt', '{"prompt": "hi", "temprature": 1}')$$,
  '22023', 'invalid action_payload for ai-prompt: unknown field temprature', 'a misspelt payload field is refused');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('event task', 'event', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$, 'an event task needs no schedule');
select lives_ok($$insert into scheduler.tasks (name, type, action_type, action_payload) values ('manual task', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}')$$, 'a manual task needs no schedule');
select lives_ok($$insert into scheduler.tasks (name, action_type, action_payload, schedule_cron, timezone) values ('cron task', 'notify', '{"channel": "web", "title": "t", "message": "m"}', '30 2 * * MON-FRI', 'Europe/Berlin')$$, 'a valid cron task is accepted');
select tests.remember('a', (select id from scheduler.tasks where name = 'event task'));
select tests.remember('b', (select id from scheduler.tasks where name = 'manual task'));
select tests.remember('c', (select id from scheduler.tasks where name = 'cron task'));

select throws_ok($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('a'))$$,
  '23514', null, 'a task cannot depend on itself');
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('b'));
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('b'), tests.fx('c'));
select throws_like($$insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('c'), tests.fx('a'))$$,
  'dependency cycle:%', 'a dependency that closes a cycle is refused, naming the path');
select throws_ok($$insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values (tests.fx('a'), 0, 's', 'i')$$,
  '23514', 'step_order must be a positive integer, got 0', 'a non-positive step_order is refused');
select throws_ok($$insert into scheduler.approvals (task_id, action_type, status, approved_by, approved_at, rejected_by, rejected_at) values (tests.fx('a'), 'notify', 'approved', tests.fx('u'), now(), tests.fx('u'), now())$$,
  '23514', 'an approval cannot be both approved and rejected', 'an approval both approved and rejected is refused');

-- updated_at
select tests.clear_authentication();
update scheduler.tasks set updated_at = '2000-01-01' where id = tests.fx('a');
select ok((select updated_at from scheduler.tasks where id = tests.fx('a')) > '2001-01-01', 'updated_at is stamped on every update');

-- audit: changed columns only, actor from auth.uid() or 'system'
select tests.authenticate_as('u');
update scheduler.tasks set description = 'new words' where id = tests.fx('a');
select tests.clear_authentication();
select is((select new_values from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  '{"description": "new words"}'::jsonb, 'an update records only the changed columns');
select is((select old_values from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  '{"description": null}'::jsonb, 'and their old values');
select is((select actor from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  tests.fx('u')::text, 'the actor is auth.uid()');
update scheduler.tasks set description = 'by the system' where id = tests.fx('a');
select is((select actor from scheduler.audit_trail where entity_id = tests.fx('a') and new_values = '{"description": "by the system"}'),
  'system', 'service work is recorded as system');
update scheduler.tasks set next_run_at = '2040-01-01', last_run_at = now() where id = tests.fx('a');
select is((select count(*)::int from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' and new_values ? 'next_run_at'), 0,
  'the engine''s next_run_at and last_run_at bookkeeping is not audited');
select ok(exists (select 1 from scheduler.audit_trail where entity_type = 'task_dependencies' and action = 'insert' and entity_id = tests.fx('a')), 'dependencies are audited');
select ok(exists (select 1 from scheduler.audit_trail where entity_type = 'profiles' and entity_id = tests.fx('u')), 'profiles are audited');

-- ownership: defaults to auth.uid(), only admins change it
select tests.authenticate_as('u');
select throws_ok($$update scheduler.tasks set created_by = tests.fx('admin') where id = tests.fx('a')$$, '42501',
  'only an admin may change a task''s owner_id or created_by', 'the owner cannot rewrite created_by');
select tests.authenticate_as('admin');
select lives_ok($$update scheduler.tasks set owner_id = tests.fx('admin') where id = tests.fx('a')$$, 'an admin transfers a task');

-- sessions: the daily sweep, and a new session sweeping the same user's expired ones
select tests.clear_authentication();
insert into scheduler.sessions (user_id, token, expires_at) values
  (tests.fx('u'), 'old-1', '2026-01-01'), (tests.fx('u'), 'old-2', '2026-01-02'), (tests.fx('admin'), 'old-admin', '2026-01-01');
insert into scheduler.sessions (user_id, token, expires_at) values (tests.fx('u'), 'fresh', now() + interval '1 hour');
select is((select count(*)::int from scheduler.sessions where user_id = tests.fx('u')), 1, 'a new session removes the same user''s expired sessions');
select is((select count(*)::int from scheduler.sessions where user_id = tests.fx('admin')), 1, 'and leaves other users'' sessions alone');
select is(scheduler.cleanup_expired_sessions('2026-06-01'), 1, 'cleanup_expired_sessions removes what expired before p_now');
select is((select schedule from cron.job where jobname = 'cleanup-expired-sessions'), '0 2 * * *', 'the sweep runs daily from pg_cron');

-- events are append-only, but the foreign keys' cascades still apply
insert into scheduler.events (event_type, user_id, task_id) values ('kept', tests.fx('u'), tests.fx('b'));
select throws_ok($$delete from scheduler.events where event_type = 'kept'$$, '42501', 'events are append-only: delete is not allowed', 'even service work cannot delete an event');
delete from scheduler.tasks where id = tests.fx('b');
select is((select task_id from scheduler.events where event_type = 'kept'), null, 'deleting a task clears its events'' link');
delete from auth.users where id = tests.fx('u');
select is_empty($$select 1 from scheduler.events where event_type = 'kept'$$, 'deleting a user removes their events');

select * from finish();
rollback;
