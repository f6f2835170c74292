-- scheduler.run_task_now with p_idempotency_key: a repeat of the same key
-- for the same task inside the idempotency_window setting returns the
-- first run and queues nothing (a client retrying after a lost answer, a
-- double click); after the window, or once the run is deleted, the key
-- starts a new run. Keys are per task, whoever calls. Concurrent calls:
-- tests/engine/runs-concurrency.test.ts.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('report', '{}');
select tests.mk_task('other_report', '{}');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('report'), tests.fx('editor'), true, true);

select tests.authenticate_as('owner');
select tests.remember('first', scheduler.run_task_now(tests.fx('report'), '2031-01-01 00:00:00+00', '{"day": 1}', 'order-42'));
select is(scheduler.run_task_now(tests.fx('report'), '2031-01-01 00:00:01+00', '{"day": 1}', 'order-42'), tests.fx('first'),
  'the same key again returns the first run');
select is(scheduler.run_task_now(tests.fx('report'), '2031-01-01 23:59:59+00', '{"day": 2}', 'order-42'), tests.fx('first'),
  'inside the window, whatever inputs the repeat brings');
select tests.authenticate_as('editor');
select is(scheduler.run_task_now(tests.fx('report'), '2031-01-01 01:00:00+00', p_idempotency_key => 'order-42'), tests.fx('first'),
  'a key belongs to the task: an editor''s repeat gets the owner''s run');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('report')), 1, 'and only one run was queued');
select is((select inputs from scheduler.task_runs where id = tests.fx('first')), '{"day": 1}'::jsonb, 'with the first call''s inputs');

select tests.authenticate_as('owner');
select isnt(scheduler.run_task_now(tests.fx('other_report'), '2031-01-01 00:00:02+00', p_idempotency_key => 'order-42'), tests.fx('first'),
  'the same key for another task is another run');
select isnt(scheduler.run_task_now(tests.fx('report'), '2031-01-01 00:00:03+00'), tests.fx('first'), 'without a key every call queues a run');
select tests.remember('after the window', scheduler.run_task_now(tests.fx('report'), '2031-01-02 00:00:00+00', p_idempotency_key => 'order-42'));
select isnt(tests.fx('after the window'), tests.fx('first'), 'once the window (24 hours) has passed the key starts a new run');
select is(scheduler.run_task_now(tests.fx('report'), '2031-01-02 00:00:05+00', p_idempotency_key => 'order-42'), tests.fx('after the window'),
  'which then holds the key for its own window');
-- a deleted run gives its key back
delete from scheduler.task_runs where id = tests.fx('after the window');
select isnt(scheduler.run_task_now(tests.fx('report'), '2031-01-02 00:00:06+00', p_idempotency_key => 'order-42'), tests.fx('after the window'),
  'a key whose run was deleted starts a new run');

select throws_ok(format($$ select scheduler.run_task_now(%L, p_idempotency_key => '') $$, tests.fx('report')),
  '22023', 'run_task_now: p_idempotency_key must be 1 to 255 characters, got 0', 'an empty key is refused, naming p_idempotency_key');
select throws_ok(format($$ select scheduler.run_task_now(%L, p_idempotency_key => repeat('k', 256)) $$, tests.fx('report')),
  '22023', 'run_task_now: p_idempotency_key must be 1 to 255 characters, got 256', 'so is one longer than 255 characters');
select tests.clear_authentication();

select * from finish();
rollback;
