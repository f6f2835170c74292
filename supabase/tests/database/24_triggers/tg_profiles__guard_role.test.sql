-- scheduler_internal.tg_profiles__guard_role: a profile's role, status and
-- email are only an admin's (or service work's) to change; its user edits
-- the rest. (Who reaches which profile at all: 30_tables/rls_matrix.)
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
select tests.authenticate_as('owner');
select throws_ok($$update scheduler.profiles set email = 'ceo@example.com' where id = tests.fx('owner')$$,
  '42501', 'only an admin may change a profile''s role, status or email', 'a user cannot change the email on their profile');
select throws_ok($$update scheduler.profiles set role = 'admin' where id = tests.fx('owner')$$,
  '42501', 'only an admin may change a profile''s role, status or email', 'a user cannot promote themselves');
select is(tests.rows_affected($$update scheduler.profiles set name = 'Olive Owner' where id = tests.fx('owner')$$), 1,
  'a user changes their display name');
select tests.authenticate_as('admin');
select is(tests.rows_affected($$update scheduler.profiles set role = 'admin' where id = tests.fx('other')$$), 1, 'an admin changes roles');
select tests.clear_authentication();
select lives_ok($$update scheduler.profiles set status = 'suspended' where id = tests.fx('newcomer')$$, 'so does service work');

select * from finish();
rollback;
