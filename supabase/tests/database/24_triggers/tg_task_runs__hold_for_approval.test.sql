-- scheduler_internal.tg_task_runs__hold_for_approval and
-- tg_task_runs__request_approvals: a run of a task that requires approval
-- waits in awaiting_approval, whether scheduled, started by an event or by
-- a dependency, with one pending approval that expires approval_ttl after
-- the run was due, and the owner is asked; a held run is not claimed;
-- manual runs (by people who could approve) are not held.
begin;
\ir ../_helpers/setup.psql
select plan(11);

select tests.seed_users();

-- scheduled
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('guarded', '{"every": "1 minute", "approval": true}');
select tests.dispatch_started('2031-01-01 00:01:00+00');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded')), 'awaiting_approval', 'a task that needs approval waits instead of running');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('guarded') and type = 'approval'), 'and its owner is asked');
set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('guarded_later', '{"run_at": "2035-01-01 01:10:00+00", "approval": true, "approval_ttl": "1 hour", "misfire": "skip"}');
select tests.claim('2035-01-01 01:09:52+00');
select is((select expires_at from scheduler.approvals where task_id = tests.fx('guarded_later')), '2035-01-01 02:10:00+00',
  'a held run''s approval expires approval_ttl after its due time, not after the claim');

-- an event
set local scheduler.now = '2033-01-01 00:00:00+00';
select tests.mk_task('guarded_event', '{"type": "event", "approval": true, "approval_ttl": "1 hour"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('guarded_event'), 'invoice_paid');
insert into scheduler.events (event_type, user_id, payload) values ('invoice_paid', tests.fx('owner'), '{"n": 1}');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded_event')), 'awaiting_approval',
  'an event run of a task that requires approval waits for it');
select is((select expires_at from scheduler.approvals where task_id = tests.fx('guarded_event') and status = 'pending'), '2033-01-01 01:00:00+00',
  'with a pending approval that expires approval_ttl after the run was due');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('guarded_event') and type = 'approval' and user_id = tests.fx('owner')),
  'and the owner is asked');
select is_empty($$ select 1 from scheduler.claim_due_runs(100, '2033-01-01 00:00:05+00', '0', 'pgtap', null) where task_id = tests.fx('guarded_event') $$,
  'a held run is not claimed');

-- a dependency
select tests.mk_task('pre');
select tests.mk_task('guarded_dependent', '{"approval": true, "approval_ttl": "1 hour"}');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type) values (tests.fx('guarded_dependent'), tests.fx('pre'), 'success');
select scheduler.run_task_now(tests.fx('pre'), '2033-01-01 00:01:00+00');
select count(*) from tests.dispatch('2033-01-01 00:01:00+00');
select tests.finish_task('pre', 'completed', '2033-01-01 00:01:05+00');
select is((select status::text || ' ' || triggered_by from scheduler.task_runs where task_id = tests.fx('guarded_dependent')), 'awaiting_approval dependency',
  'a dependency run of a task that requires approval waits for it');
select is((select count(*)::int from scheduler.approvals where task_id = tests.fx('guarded_dependent') and status = 'pending'), 1, 'with one approval');

-- approving releases it
select tests.authenticate_as('owner');
select is(scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded_dependent')), true, null, '2033-01-01 00:02:00+00'),
  'approved', 'the owner approves');
select tests.clear_authentication();

-- manual runs are not held
select scheduler.run_task_now(tests.fx('guarded_event'), '2033-01-01 00:03:00+00');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded_event') and triggered_by = 'manual'), 'queued',
  'a manual run by an owner, editor or admin is not held');

select * from finish();
rollback;
