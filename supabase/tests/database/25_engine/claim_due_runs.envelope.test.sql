-- What scheduler.claim_due_runs hands each claimed run on its hot path:
-- prerequisites hold back a due task that has them and only those; http
-- runs carry their own owner's webhook signing secret, other actions none;
-- the task envelope carries the task's fields. Clock pinned in 2033.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
set local scheduler.now = '2033-02-01 00:00:00+00';
select tests.mk_task('hot notify', '{"run_at": "2033-02-01 00:00:00+00"}');
select tests.mk_task('hot http ' || g, jsonb_build_object('run_at', '2033-02-01 00:00:00+00', 'action_type', 'http',
  'action_payload', jsonb_build_object('url', 'https://example.com/hook')))
from generate_series(1, 3) g;
select tests.mk_task('hot becomes http', '{"run_at": "2033-02-01 00:00:00+00", "owner": "other"}');
update scheduler.tasks set action_type = 'http', action_payload = '{"url": "https://example.com/other"}'
where id = tests.fx('hot becomes http');

-- a prerequisite that has not succeeded holds back only its dependent
select tests.mk_task('hot prerequisite');
select tests.mk_task('hot dependent', '{"run_at": "2033-02-01 00:00:00+00"}');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type)
values (tests.fx('hot dependent'), tests.fx('hot prerequisite'), 'success');

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
