-- The claim's hot path (20261124000600): prerequisites still hold back a due
-- task that has them and only those; owners get their webhook signing secret
-- with their first http task, and only http runs carry it. Clock pinned in 2033.
begin;
select plan(10);

select tests.remember('owner', tests.create_user('hot_owner'));
select tests.remember('other', tests.create_user('hot_other'));
set local scheduler.now = '2033-02-01 00:00:00+00';

select is_empty($$ select 1 from scheduler_internal.signing_secrets where user_id = tests.fx('owner') $$,
  'a new user has no signing secret');

-- a notify task does not create one
insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
values ('hot notify', 'scheduled', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), '2033-02-01 00:00:00+00');
select is_empty($$ select 1 from scheduler_internal.signing_secrets where user_id = tests.fx('owner') $$,
  'a notify task does not create a signing secret');

-- a bulk insert of http tasks creates exactly one for their owner
insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
select 'hot http ' || g, 'scheduled', 'http', '{"url": "https://example.com/hook"}', tests.fx('owner'), '2033-02-01 00:00:00+00'
from generate_series(1, 3) g;
select is((select count(*)::int from scheduler_internal.signing_secrets where user_id = tests.fx('owner')), 1,
  'inserting http tasks gives their owner one signing secret');
select matches((select secret from scheduler_internal.signing_secrets where user_id = tests.fx('owner')), '^whsec_[A-Za-z0-9+/=]{40,}$',
  'in the Standard Webhooks form');

-- turning a task into an http task creates one for a user who had none
insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
values ('hot becomes http', 'scheduled', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('other'), '2033-02-01 00:00:00+00');
update scheduler.tasks set action_type = 'http', action_payload = '{"url": "https://example.com/other"}'
where name = 'hot becomes http';
select is((select count(*)::int from scheduler_internal.signing_secrets where user_id = tests.fx('other')), 1,
  'changing a task to http gives its owner a signing secret');

-- a prerequisite that has not succeeded holds back only its dependent
insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
values ('hot prerequisite', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'));
insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at)
values ('hot dependent', 'scheduled', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'), '2033-02-01 00:00:00+00');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type)
select d.id, p.id, 'success' from scheduler.tasks d, scheduler.tasks p where d.name = 'hot dependent' and p.name = 'hot prerequisite';

create temp table claimed on commit drop as
select c.*, t.name from scheduler.claim_due_runs(100, '2033-02-01 00:00:00+00', '0', 'pgtap', null) c
join scheduler.tasks t on t.id = c.task_id
where t.owner_id in (tests.fx('owner'), tests.fx('other'));

select set_eq($$ select name from claimed $$,
  array['hot notify', 'hot http 1', 'hot http 2', 'hot http 3', 'hot becomes http'],
  'every due task without prerequisites is claimed, and the dependent is held back');
select is((select count(*)::int from claimed where action_type = 'http' and task->>'signing_secret' like 'whsec_%'), 4,
  'http runs carry their owner''s signing secret');
select is((select task->'signing_secret' from claimed where name = 'hot notify'), 'null'::jsonb,
  'other actions do not get it');
select is((select task->>'signing_secret' from claimed where name = 'hot becomes http'),
  (select secret from scheduler_internal.signing_secrets where user_id = tests.fx('other')),
  'each run gets its own owner''s secret');
select is((select task->>'name' || ' ' || (task->>'max_attempts') from claimed where name = 'hot http 1'), 'hot http 1 3',
  'the envelope carries the task''s fields');

select * from finish();
rollback;
