-- scheduler_internal.tg_approvals__validate: an approval is approved or
-- rejected, never both.
begin;
\ir ../_helpers/setup.psql
select plan(1);

select tests.seed_users();
select tests.mk_task('a');
select tests.authenticate_as('owner');
select throws_ok($$insert into scheduler.approvals (task_id, action_type, status, approved_by, approved_at, rejected_by, rejected_at) values (tests.fx('a'), 'notify', 'approved', tests.fx('owner'), now(), tests.fx('owner'), now())$$,
  '23514', 'an approval cannot be both approved and rejected', 'an approval both approved and rejected is refused');

select * from finish();
rollback;
