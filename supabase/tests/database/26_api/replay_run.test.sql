-- scheduler.replay_run: a finished run is run again, as a new run of the
-- same task with the same inputs that names the run it replays, started at
-- once (the dispatcher is woken, as for run_task_now) under a key of its
-- own. Owners, editors and admins replay; someone who cannot see the run
-- hears what an unknown id gets, someone who sees it but may not edit is
-- told so by the task's name; an unfinished run is not replayed.
begin;
\ir ../_helpers/setup.psql
select plan(15);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:10:00+00';
-- a quiet dispatcher, whatever the live stack did, so the wake is this file's
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
update scheduler_internal.dispatcher_wakes set last_wake_at = null;

select tests.mk_task('hook', '{"type": "event"}');
update scheduler.tasks set name = 'Order hook' where id = tests.fx('hook');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values
  (tests.fx('hook'), tests.fx('viewer'), true, false),
  (tests.fx('hook'), tests.fx('editor'), true, true);
-- a failed event run (its inputs are the event's payload) and one still queued
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, inputs, start_time, end_time, error_message, idempotency_key)
values (tests.fx('hook'), '2031-01-01 00:00:00+00', 'failed', 'event:order_placed', '{"order": 42}',
        '2031-01-01 00:00:00+00', '2031-01-01 00:00:01+00', 'answered 500', 'first-key');
select tests.remember('failed', (select id from scheduler.task_runs where task_id = tests.fx('hook') and status = 'failed'));
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, inputs)
values (tests.fx('hook'), '2031-01-01 00:20:00+00', 'queued', 'manual', '{}');
select tests.remember('waiting', (select id from scheduler.task_runs where task_id = tests.fx('hook') and status = 'queued'));

select tests.dispatcher_wakes() as wakes_before \gset
select tests.authenticate_as('owner');
select tests.remember('replay', scheduler.replay_run(tests.fx('failed'), '2031-01-01 00:10:00+00'));
select tests.clear_authentication();
select isnt(tests.fx('replay'), tests.fx('failed'), 'the owner replays a failed run: a new run');
select results_eq($$
  select task_id, scheduled_time, status::text, attempt, triggered_by, inputs, replay_of, requested_by, idempotency_key, event_id
  from scheduler.task_runs where id = tests.fx('replay') $$,
  $$ values (tests.fx('hook'), '2031-01-01 00:10:00+00'::timestamptz, 'queued', 1, 'replay', '{"order": 42}'::jsonb,
             tests.fx('failed'), tests.fx('owner'), null::text, null::uuid) $$,
  'of the same task, with the same inputs, due now, naming the run it replays and who asked; a key of its own (the first run''s id at claim), so a receiver that drops resends takes it');
select is(tests.dispatcher_wakes() - :wakes_before, 1, 'the dispatcher is woken at once, as for run_task_now');
select is((select c.idempotency_key from scheduler.claim_due_runs(1000, '2031-01-01 00:10:00+00', '0', 'pgtap', null) c
           where c.run_id = tests.fx('replay')), tests.fx('replay')::text,
  'the claim hands it over under its own id as the key, not the replayed run''s');
select is((select status::text from scheduler.task_runs where id = tests.fx('failed')), 'failed', 'the replayed run is left as it was');

select tests.authenticate_as('editor');
select ok(scheduler.replay_run(tests.fx('failed'), '2031-01-01 00:11:00+00') is not null, 'an editor of the task replays it (again: replay_run always makes a new run)');
select tests.authenticate_as('admin');
select ok(scheduler.replay_run(tests.fx('failed'), '2031-01-01 00:12:00+00') is not null, 'so does an admin');
select tests.clear_authentication();
select is((select array_agg(requested_by order by scheduled_time) from scheduler.task_runs where replay_of = tests.fx('failed')),
  array[tests.fx('owner'), tests.fx('editor'), tests.fx('admin')], 'each replay is recorded as whoever asked');

select tests.authenticate_as('other');
select throws_ok(format($$ select scheduler.replay_run(%L) $$, tests.fx('failed')),
  'P0002', format('replay_run: run %s does not exist', tests.fx('failed')), 'another user cannot replay the owner''s run: it does not exist for them');
select throws_ok($$ select scheduler.replay_run('00000000-0000-4000-8000-000000000000') $$,
  'P0002', 'replay_run: run 00000000-0000-4000-8000-000000000000 does not exist', 'the same answer as for an id that exists nowhere');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select scheduler.replay_run(%L) $$, tests.fx('failed')),
  '42501', 'replay_run: you may not replay runs of task "Order hook" (its owner, editors and admins may)',
  'someone the task is shared with for viewing is refused by the task''s name');
select tests.authenticate_as('owner');
select throws_ok(format($$ select scheduler.replay_run(%L) $$, tests.fx('waiting')),
  '22023', format('replay_run: p_run_id: run %s is still queued; only a finished run (completed, failed, cancelled or skipped) is replayed', tests.fx('waiting')),
  'a run that has not finished is not replayed');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('hook')), 5,
  'nothing refused made a run (the failed run, the waiting one, three replays)');

-- a deleted task's runs are gone for everyone's purposes
update scheduler.tasks set deleted_at = '2031-01-01 00:13:00+00' where id = tests.fx('hook');
select tests.authenticate_as('owner');
select throws_ok(format($$ select scheduler.replay_run(%L) $$, tests.fx('failed')),
  'P0002', format('replay_run: run %s does not exist', tests.fx('failed')), 'a run of a deleted task does not exist');
select tests.clear_authentication();
-- service work (the SQL editor, an Edge Function with the service key) may replay anything
update scheduler.tasks set deleted_at = null where id = tests.fx('hook');
select ok(scheduler.replay_run(tests.fx('failed'), '2031-01-01 00:14:00+00') is not null, 'service work replays too');

select * from finish();
rollback;
