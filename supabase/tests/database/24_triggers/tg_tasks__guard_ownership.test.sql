-- scheduler_internal.tg_tasks__guard_ownership: owner_id and created_by
-- default to auth.uid() (30_tables/tasks) and only an admin, or service
-- work, changes them.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
select tests.authenticate_as('owner');
insert into scheduler.tasks (name, type, action_type, action_payload)
values ('mine', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}');
select tests.clear_authentication();
select tests.remember('a', (select id from scheduler.tasks where name = 'mine' and owner_id = tests.fx('owner')));

select tests.authenticate_as('owner');
select throws_ok($$update scheduler.tasks set created_by = tests.fx('admin') where id = tests.fx('a')$$, '42501',
  'only an admin may change a task''s owner_id or created_by', 'the owner cannot rewrite created_by');
select tests.authenticate_as('admin');
select lives_ok($$update scheduler.tasks set owner_id = tests.fx('admin') where id = tests.fx('a')$$, 'an admin transfers a task');
select tests.clear_authentication();
select lives_ok($$update scheduler.tasks set owner_id = tests.fx('owner') where id = tests.fx('a')$$, 'so does service work');

select * from finish();
rollback;
