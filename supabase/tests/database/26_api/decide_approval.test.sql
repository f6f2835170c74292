-- scheduler.decide_approval: the owner approves a held run, which then
-- proceeds, or rejects it, which cancels it (expiry: 25_engine/
-- expire_approvals; who may decide in whose name: 24_triggers/
-- tg_approvals__guard_deciders).
begin;
\ir ../_helpers/setup.psql
select plan(7);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('guarded', '{"every": "1 minute", "approval": true}');
update scheduler.tasks set name = 'Deploy' where id = tests.fx('guarded');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('guarded'), tests.fx('viewer'), true, false);
select tests.dispatch_started('2031-01-01 00:01:00+00');
select tests.remember('approval', (select id from scheduler.approvals where task_id = tests.fx('guarded')));
select tests.authenticate_as('other');
select throws_ok(format($$ select scheduler.decide_approval(%L, true, 'me too', '2031-01-01 00:01:20+00') $$, tests.fx('approval')),
  'P0002', format('decide_approval: approval %s does not exist', tests.fx('approval')),
  'someone who cannot see the task is told the approval does not exist, as for an unknown id');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select scheduler.decide_approval(%L, true, 'me too', '2031-01-01 00:01:20+00') $$, tests.fx('approval')),
  '42501', 'decide_approval: you may not decide approvals of task "Deploy" (its owner, editors and admins may)',
  'someone who sees the task but cannot edit it is refused by its name');
select tests.authenticate_as('owner');
select is(scheduler.decide_approval(tests.fx('approval'), true, 'go', '2031-01-01 00:01:30+00'), 'approved', 'the owner approves');
select tests.clear_authentication();
select ok(tests.fx('guarded') in (select tests.dispatch_started('2031-01-01 00:01:31+00')), 'the approved run proceeds');
select tests.finish_task('guarded', 'completed', '2031-01-01 00:01:40+00');
select tests.dispatch_started('2031-01-01 00:02:00+00');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded') and scheduled_time = '2031-01-01 00:02:00+00'), 'awaiting_approval',
  'the next one waits in turn');
select tests.authenticate_as('owner');
select is(scheduler.decide_approval((select id from scheduler.approvals where task_id = tests.fx('guarded') and status = 'pending'), false, 'not today', '2031-01-01 00:02:10+00'), 'rejected',
  'the owner rejects it');
select tests.clear_authentication();
select is((select status::text from scheduler.task_runs where task_id = tests.fx('guarded') and scheduled_time = '2031-01-01 00:02:00+00'), 'cancelled', 'a rejected run is cancelled');

select * from finish();
rollback;
