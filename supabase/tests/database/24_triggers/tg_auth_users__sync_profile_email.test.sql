-- scheduler_internal.tg_auth_users__sync_profile_email: a profile's email
-- mirrors auth.users (the notify action and admins trust it).
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.create_user('owner');
select is((select email from scheduler.profiles where id = tests.fx('owner')), (select email::text from auth.users where id = tests.fx('owner')),
  'a new profile has the auth email');
update auth.users set email = 'olive@example.com' where id = tests.fx('owner');
select is((select email from scheduler.profiles where id = tests.fx('owner')), 'olive@example.com', 'a changed auth email reaches the profile');

select * from finish();
rollback;
