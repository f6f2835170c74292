-- The role matrix of every table in scheduler_internal, for every command
-- (the same machinery as 30_tables/rls_matrix): none of them is reachable
-- through the API. anon cannot even use the schema; signed-in users hold
-- no privilege on its tables (the predicates they need are security
-- definer functions); service_role reads what the dispatcher and the
-- action functions need, through grants, and nothing else.
begin;
\ir ../_helpers/setup.psql
select tests.seed();
-- an http task gives the owner a signing secret; a recorded dispatcher wake
select tests.mk_task('hook', '{"action_type": "http", "action_payload": {"url": "https://example.com/hook"}}');
-- a scheduled task, with its row in the claim's due index
select tests.mk_task('daily', '{"cron": "0 9 * * *"}');
insert into scheduler_internal.dispatcher_requests (request_id) values (910000000099);
-- a run the owner started with an idempotency key (the key is internal)
select tests.authenticate_as('owner');
select scheduler.run_task_now(tests.fx('task'), p_idempotency_key => 'pgtap-matrix-key');
select tests.clear_authentication();
-- a logged start of a rate-limited task
insert into scheduler_internal.task_starts (task_id, started_at, run_id) values (tests.fx('task'), now(), tests.fx('run'));

insert into tests.rls_cases (relation, cmd, what, stmt, anon, owner, other, viewer, editor, readonly, admin, service_role) values
  ('scheduler_internal.settings', 'select', 'a setting',
   $$select 1 from scheduler_internal.settings where key = 'run_retention'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.settings', 'update', 'change a setting',
   $$update scheduler_internal.settings set value = '"1 day"' where key = 'run_retention'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.settings', 'insert', 'add a setting',
   $$insert into scheduler_internal.settings (key, value) values ('pgtap_probe', '1')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.settings', 'delete', 'remove a setting',
   $$delete from scheduler_internal.settings where key = 'run_retention'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),

  -- read by the claim (service_role) to sign http runs
  ('scheduler_internal.signing_secrets', 'select', 'the owner''s signing secret',
   $$select 1 from scheduler_internal.signing_secrets where user_id = tests.fx('owner')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.signing_secrets', 'update', 'replace the owner''s signing secret',
   $$update scheduler_internal.signing_secrets set secret = 'whsec_forged' where user_id = tests.fx('owner')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.signing_secrets', 'insert', 'give the other user a signing secret',
   $$insert into scheduler_internal.signing_secrets (user_id, secret) values (tests.fx('other'), 'whsec_forged')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.signing_secrets', 'delete', 'remove the owner''s signing secret',
   $$delete from scheduler_internal.signing_secrets where user_id = tests.fx('owner')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),

  -- the dispatcher (service_role) reads and moves its heartbeat and its looks
  ('scheduler_internal.dispatcher_heartbeat', 'select', 'the heartbeat',
   $$select 1 from scheduler_internal.dispatcher_heartbeat$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.dispatcher_heartbeat', 'update', 'beat',
   $$update scheduler_internal.dispatcher_heartbeat set last_tick_at = now()$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.dispatcher_heartbeat', 'insert', 'a second heartbeat',
   $$insert into scheduler_internal.dispatcher_heartbeat (id) values (false)$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_heartbeat', 'delete', 'stop the heart',
   $$delete from scheduler_internal.dispatcher_heartbeat$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  -- the claim's due index: read by the claim (service_role), written only
  -- by the tasks triggers
  ('scheduler_internal.due_tasks', 'select', 'a due task',
   $$select 1 from scheduler_internal.due_tasks where task_id = tests.fx('daily')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.due_tasks', 'update', 'move a due time',
   $$update scheduler_internal.due_tasks set next_run_at = now() where task_id = tests.fx('daily')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.due_tasks', 'insert', 'add a due task',
   $$insert into scheduler_internal.due_tasks (task_id, next_run_at, owner_id, priority) values (tests.fx('task2'), now(), tests.fx('owner'), 'low')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.due_tasks', 'delete', 'forget a due task',
   $$delete from scheduler_internal.due_tasks where task_id = tests.fx('daily')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_looks', 'select', 'the next look',
   $$select 1 from scheduler_internal.dispatcher_looks$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.dispatcher_looks', 'update', 'plan a look',
   $$update scheduler_internal.dispatcher_looks set next_look_at = now()$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.dispatcher_looks', 'insert', 'a second looker row',
   $$insert into scheduler_internal.dispatcher_looks (id) values (false)$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_looks', 'delete', 'forget the looks',
   $$delete from scheduler_internal.dispatcher_looks$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_wakes', 'select', 'the last wake',
   $$select 1 from scheduler_internal.dispatcher_wakes$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.dispatcher_wakes', 'update', 'reset the debounce',
   $$update scheduler_internal.dispatcher_wakes set last_wake_at = null$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_wakes', 'insert', 'a second wake row',
   $$insert into scheduler_internal.dispatcher_wakes (id) values (false)$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_wakes', 'delete', 'forget the wakes',
   $$delete from scheduler_internal.dispatcher_wakes$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),

  -- only the owner: the tick's records and the retired jobs
  ('scheduler_internal.dispatcher_requests', 'select', 'a recorded wake',
   $$select 1 from scheduler_internal.dispatcher_requests where request_id = 910000000099$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_requests', 'update', 'move a recorded wake',
   $$update scheduler_internal.dispatcher_requests set created_at = now() where request_id = 910000000099$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_requests', 'insert', 'record a wake',
   $$insert into scheduler_internal.dispatcher_requests (request_id) values (910000000098)$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.dispatcher_requests', 'delete', 'forget a recorded wake',
   $$delete from scheduler_internal.dispatcher_requests where request_id = 910000000099$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.retired_cron_jobs', 'select', 'a retired job',
   $$select 1 from scheduler_internal.retired_cron_jobs where jobname = 'prune-run-history'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.retired_cron_jobs', 'update', 'rename a retired job',
   $$update scheduler_internal.retired_cron_jobs set jobname = 'x' where jobname = 'prune-run-history'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.retired_cron_jobs', 'insert', 'retire a job',
   $$insert into scheduler_internal.retired_cron_jobs (jobid, jobname) values (987654321, 'x')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.retired_cron_jobs', 'delete', 'forget a retired job',
   $$delete from scheduler_internal.retired_cron_jobs where jobname = 'prune-run-history'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  -- only the scheduler's own functions, as its owner: a key names a run or
  -- event, and no API role may read, forge or free one
  ('scheduler_internal.idempotency_keys', 'select', 'the key of a run',
   $$select 1 from scheduler_internal.idempotency_keys where key = 'pgtap-matrix-key'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.idempotency_keys', 'update', 'move a key to another run',
   $$update scheduler_internal.idempotency_keys set taken_at = now() where key = 'pgtap-matrix-key'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.idempotency_keys', 'insert', 'take a key',
   $$insert into scheduler_internal.idempotency_keys (scope, scope_id, key, run_id, taken_at) values ('run_task_now', tests.fx('task'), 'forged', tests.fx('run'), now())$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.idempotency_keys', 'delete', 'free a key',
   $$delete from scheduler_internal.idempotency_keys where key = 'pgtap-matrix-key'$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),

  -- the start gate (service_role) logs the starts of rate-limited tasks; the
  -- claim and the gate count them
  ('scheduler_internal.task_starts', 'select', 'a logged start',
   $$select 1 from scheduler_internal.task_starts where task_id = tests.fx('task')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.task_starts', 'update', 'move a logged start',
   $$update scheduler_internal.task_starts set started_at = now() - interval '1 day' where task_id = tests.fx('task')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'),
  ('scheduler_internal.task_starts', 'insert', 'log a start',
   $$insert into scheduler_internal.task_starts (task_id, started_at, run_id) values (tests.fx('task2'), now(), gen_random_uuid())$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1'),
  ('scheduler_internal.task_starts', 'delete', 'forget a logged start',
   $$delete from scheduler_internal.task_starts where task_id = tests.fx('task')$$,
   '42501', '42501', '42501', '42501', '42501', '42501', '42501', '1');

select plan(tests.rls_plan() + 1);
select * from tests.rls_matrix();

select is_empty($$ select * from tests.rls_uncovered('scheduler_internal', '{r}') $$,
  'the matrix covers select, insert, update and delete on every table in scheduler_internal');

select * from finish();
rollback;
