-- scheduler_internal.tg_auth_users__create_profile: a new auth user gets a
-- profile, named from its metadata, as a plain user.
begin;
\ir ../_helpers/setup.psql
select plan(2);

select tests.create_user('u');
select is((select name from scheduler.profiles where id = tests.fx('u')), 'u', 'a new auth user gets a profile named from its metadata');
select is((select role::text from scheduler.profiles where id = tests.fx('u')), 'user', 'new profiles are plain users');

select * from finish();
rollback;
