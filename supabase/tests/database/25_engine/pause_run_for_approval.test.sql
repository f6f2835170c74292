-- scheduler.pause_run_for_approval: an ai-prompt run whose model wants a
-- tool that needs approval leaves its worker for awaiting_approval, with its
-- steps' state stored, an approval (the tool, the arguments) and the owner's
-- notice; decide_approval queues it again whichever way it goes (a
-- rejection is news for the model, not the end of the run); the gate lets
-- it start however late; expiry cancels it as it does a held run; and
-- run_resume_state hands back what was stored.
begin;
\ir ../_helpers/setup.psql
select plan(17);

select tests.seed_users();
set local scheduler.now = '2037-03-01 00:00:00+00';
select tests.mk_task('agent', '{"run_at": "2037-03-01 00:01:00+00", "misfire": "skip", "action_type": "ai-prompt",
  "action_payload": {"mcp_servers": ["crm"], "allowed_tools": ["lookup", "send_mail"], "approval_tools": ["send_mail"]}}');
insert into scheduler.task_steps (task_id, step_order, step_name, instructions) values
  (tests.fx('agent'), 1, 'find', 'find the order'), (tests.fx('agent'), 2, 'mail', 'mail the boss');
select tests.remember('step1', (select id from scheduler.task_steps where task_id = tests.fx('agent') and step_order = 1));
select tests.remember('step2', (select id from scheduler.task_steps where task_id = tests.fx('agent') and step_order = 2));
select tests.claim('2037-03-01 00:01:00+00');
select tests.remember('run', tests.run_of('agent', '2037-03-01 00:01:00+00'));
select is(tests.gate(tests.fx('run'), '2037-03-01 00:01:00+00'), 'started', 'the run starts');

create temp table pause_args on commit drop as select
  jsonb_build_object('arguments', jsonb_build_object('to', 'boss@example.com'), 'server', 'crm', 'tool_call_id', 'call_1', 'step_order', 2) as details,
  jsonb_build_array(
    jsonb_build_object('id', tests.fx('step1'), 'status', 'completed', 'result', jsonb_build_object('content', 'order o-1'), 'retry_count', 0),
    jsonb_build_object('id', tests.fx('step2'), 'status', 'running', 'result', jsonb_build_object('paused', jsonb_build_object('next', 0)), 'retry_count', 0)) as steps;

select is(scheduler.pause_run_for_approval(tests.fx('run'), 'w2', 'send_mail', (select details from pause_args), (select steps from pause_args),
  '{"paused": {"unit": 1}}', '2037-03-01 00:01:05+00'), null, 'a worker that does not hold the run pauses nothing');
select throws_ok(format($$ select scheduler.pause_run_for_approval(%L, 'w1', 'send_mail', '[]', null, null, '2037-03-01 00:01:05+00') $$, tests.fx('run')),
  '22023', 'pause_run_for_approval: p_tool and p_details (an object) are required', 'the details are an object');
select tests.remember('approval', scheduler.pause_run_for_approval(tests.fx('run'), 'w1', 'send_mail', (select details from pause_args), (select steps from pause_args),
  '{"paused": {"unit": 1}}', '2037-03-01 00:01:05+00'));

select is((select row(status, locked_by, lease_expires_at, output)::text from scheduler.task_runs where id = tests.fx('run')),
  row('awaiting_approval'::scheduler.run_status, null::text, null::timestamptz, '{"paused": {"unit": 1}}'::jsonb)::text,
  'the run waits, held by no worker and no lease, with what it did so far');
select is((select row(action_type, status, details ->> 'kind', details -> 'arguments', expires_at)::text from scheduler.approvals where id = tests.fx('approval')),
  row('send_mail', 'pending', 'tool_call', '{"to": "boss@example.com"}'::jsonb, '2037-03-02 00:01:05+00'::timestamptz)::text,
  'the approval names the tool and the arguments, and expires after the task''s approval_ttl');
select is((select title || ' / ' || type || ' / ' || priority from scheduler.notifications where run_id = tests.fx('run')),
  'Approval needed: agent / approval / high', 'the owner is told');
select is(array(select status || ':' || coalesce(execution_result ->> 'content', execution_result -> 'paused' ->> 'next') from scheduler.task_steps
    where task_id = tests.fx('agent') and run_id = tests.fx('run') order by step_order),
  array['completed:order o-1', 'running:0'], 'the steps'' state is stored on them, for this run');
select is((select count(*)::integer from scheduler.reap_expired_leases('2037-03-01 02:00:00+00') r where r.run_id = tests.fx('run')), 0,
  'no reaper takes a run that waits for a person');

select is(scheduler.run_resume_state(tests.fx('run')) -> 'approval' ->> 'status', 'pending', 'run_resume_state gives the approval');
select is(jsonb_array_length(scheduler.run_resume_state(tests.fx('run')) -> 'steps'), 2, 'and the steps stored for the run');
select is(scheduler.run_resume_state(tests.fx('agent')), null, 'and nothing for a run that never paused');

-- rejected: the run goes on, so its model can be told
select is(scheduler.decide_approval(tests.fx('approval'), false, 'no', '2037-03-01 00:30:00+00'), 'rejected', 'the owner rejects the call');
select is((select status::text from scheduler.task_runs where id = tests.fx('run')), 'queued', 'the run is queued again, not cancelled');
select is(tests.dispatch_count('agent', '2037-03-01 00:30:01+00'), 1,
  'and it starts half an hour after its due time, though its misfire_policy is skip: the lateness was a person''s');

-- paused again, then nobody decides: it expires as a held run does
select tests.remember('approval2', scheduler.pause_run_for_approval(tests.fx('run'), 'pgtap', 'send_mail', (select details from pause_args) || '{"tool_call_id": "call_2"}',
  null, '{"paused": {"unit": 1}}', '2037-03-01 00:31:00+00'));
select is(scheduler.run_resume_state(tests.fx('run')) -> 'approval' ->> 'id', tests.fx('approval2')::text, 'the latest approval is the one to resume from');
select is(scheduler.expire_approvals('2037-03-02 00:31:01+00'), 1, 'the second approval expires');
select is((select status || ' ' || error_message from scheduler.task_runs where id = tests.fx('run')), 'cancelled approval expired',
  'and its run is cancelled');

select * from finish();
rollback;
