-- The policy predicates (security definer, so policies read profiles,
-- tasks and shares without recursing into their policies), as each role of
-- the fixtures (tests.seed()), table-driven like the role matrices: '1'
-- when the predicate holds for that role, '0' when not, 42501 when the
-- role cannot call it at all.
begin;
\ir ../_helpers/setup.psql
select tests.seed();

insert into tests.rls_cases (relation, cmd, what, stmt, anon, owner, other, viewer, editor, readonly, admin, service_role) values
  ('scheduler_internal.is_admin()', 'select', 'an active admin',
   $$select 1 where scheduler_internal.is_admin()$$,
   '42501', '0', '0', '0', '0', '0', '1', '0'),
  ('scheduler_internal.can_author()', 'select', 'an active admin or user, not a viewer',
   $$select 1 where scheduler_internal.can_author()$$,
   '42501', '1', '1', '1', '1', '0', '1', '0'),
  ('scheduler_internal.can_view_task(uuid)', 'select', 'the owner, a sharee or an admin, of the shared task',
   $$select 1 where scheduler_internal.can_view_task(tests.fx('task'))$$,
   '42501', '1', '0', '1', '1', '1', '1', '0'),
  ('scheduler_internal.can_edit_task(uuid)', 'select', 'the owner, an editor who is no viewer, or an admin, of the shared task',
   $$select 1 where scheduler_internal.can_edit_task(tests.fx('task'))$$,
   '42501', '1', '0', '0', '1', '0', '1', '0'),
  ('scheduler_internal.owns_task(uuid)', 'select', 'the owner or an admin, of the shared task',
   $$select 1 where scheduler_internal.owns_task(tests.fx('task'))$$,
   '42501', '1', '0', '0', '0', '0', '1', '0'),
  ('scheduler_internal.owns_project(uuid)', 'select', 'the owner or an admin, of the project',
   $$select 1 where scheduler_internal.owns_project(tests.fx('project'))$$,
   '42501', '1', '0', '0', '0', '0', '1', '0');

select plan(tests.rls_plan() + 2);
select * from tests.rls_matrix();

-- a suspended admin or author is neither
update scheduler.profiles set status = 'suspended' where id in (tests.fx('admin'), tests.fx('owner'));
select is(tests.outcome_as('admin', $$select 1 where scheduler_internal.is_admin()$$), '0', 'a suspended admin is no admin');
select is(tests.outcome_as('owner', $$select 1 where scheduler_internal.can_author()$$), '0', 'a suspended user authors nothing');

select * from finish();
rollback;
