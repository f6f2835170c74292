-- A task that requires approval holds its event and dependency runs too, not
-- only its scheduled ones; manual runs (by people who could approve) are not
-- held. Clock pinned in 2033.
begin;
select plan(8);

select tests.remember('u', tests.create_user('u'));
set local scheduler.now = '2033-01-01 00:00:00+00';

create function pg_temp.mk(p_name text, p_type text, p_approval boolean)
returns uuid language plpgsql as $$
declare v_id uuid;
begin
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, requires_approval, approval_ttl, timeout_seconds)
  values (p_name, p_type, 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u'), p_approval, '1 hour', 30)
  returning id into v_id;
  perform tests.remember(p_name, v_id);
  return v_id;
end $$;

-- an event
select pg_temp.mk('guarded_event', 'event', true);
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('guarded_event'), 'invoice_paid');
insert into scheduler.events (event_type, user_id, payload) values ('invoice_paid', tests.fx('u'), '{"n": 1}');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded_event')), 'awaiting_approval',
  'an event run of a task that requires approval waits for it');
select is((select expires_at from scheduler.approvals where task_id = tests.fx('guarded_event') and status = 'pending'), '2033-01-01 01:00:00+00',
  'with a pending approval that expires approval_ttl after the run was due');
select ok(exists (select 1 from scheduler.notifications where task_id = tests.fx('guarded_event') and type = 'approval' and user_id = tests.fx('u')),
  'and the owner is asked');
select is_empty($$ select 1 from scheduler.claim_due_runs(100, '2033-01-01 00:00:05+00', '0', 'pgtap', null) where task_id = tests.fx('guarded_event') $$,
  'a held run is not claimed');

-- a dependency
select pg_temp.mk('pre', 'manual', false);
select pg_temp.mk('guarded_dependent', 'manual', true);
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type) values (tests.fx('guarded_dependent'), tests.fx('pre'), 'success');
select scheduler.run_task_now(tests.fx('pre'), '2033-01-01 00:01:00+00');
select count(*) from tests.dispatch('2033-01-01 00:01:00+00');
select count(*) from scheduler.complete_runs(
  (select jsonb_agg(jsonb_build_object('run_id', id, 'status', 'completed')) from scheduler.task_runs where task_id = tests.fx('pre') and status = 'running'),
  '2033-01-01 00:01:05+00');
select is((select status::text || ' ' || triggered_by from scheduler.task_runs where task_id = tests.fx('guarded_dependent')), 'awaiting_approval dependency',
  'a dependency run of a task that requires approval waits for it');
select is((select count(*)::int from scheduler.approvals where task_id = tests.fx('guarded_dependent') and status = 'pending'), 1, 'with one approval');

-- approving releases it
select tests.authenticate_as('u');
select is(scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded_dependent')), true, null, '2033-01-01 00:02:00+00'),
  'approved', 'the owner approves');
select tests.clear_authentication();

-- manual runs are not held
select scheduler.run_task_now(tests.fx('guarded_event'), '2033-01-01 00:03:00+00');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded_event') and triggered_by = 'manual'), 'queued',
  'a manual run by an owner, editor or admin is not held');

select * from finish();
rollback;
