-- scheduler_internal.tg_approvals__guard_deciders: an approval is decided
-- in the caller's own name (approved_by, rejected_by), and a decision is
-- kept through later edits of its notes.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed();
select tests.authenticate_as('editor');
select throws_ok($$update scheduler.approvals set status = 'approved', approved_by = tests.fx('owner'), approved_at = now() where id = tests.fx('approval')$$,
  '42501', 'an approval is decided in the caller''s own name', 'an editor cannot approve in the owner''s name');
select throws_ok($$insert into scheduler.approvals (task_id, action_type, status, rejected_by, rejected_at) values (tests.fx('task'), 'notify', 'rejected', tests.fx('owner'), now())$$,
  '42501', 'an approval is decided in the caller''s own name', 'nor record a rejection in the owner''s name');
select is(tests.rows_affected($$update scheduler.approvals set status = 'approved', approved_by = tests.fx('editor'), approved_at = now() where id = tests.fx('approval')$$), 1,
  'an editor approves in their own name');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'looked fine' where id = tests.fx('approval')$$), 1,
  'and a later edit by the owner of the decision keeps it');
select tests.authenticate_as('owner');
select is(tests.rows_affected($$update scheduler.approvals set notes = 'agreed' where id = tests.fx('approval')$$), 1,
  'the task owner edits notes of an approval someone else decided');

select * from finish();
rollback;
