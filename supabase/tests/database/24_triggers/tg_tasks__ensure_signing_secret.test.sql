-- scheduler_internal.tg_tasks__ensure_signing_secret: an owner gets their
-- webhook signing secret (Standard Webhooks form) with their first http
-- or watch task (its polls are signed too), one per owner however many
-- tasks; other actions create none.
begin;
\ir ../_helpers/setup.psql
select plan(6);

select tests.seed_users();
set local scheduler.now = '2033-02-01 00:00:00+00';
select is_empty($$ select 1 from scheduler_internal.signing_secrets where user_id = tests.fx('owner') $$,
  'a new user has no signing secret');
select tests.mk_task('hot notify', '{"run_at": "2033-02-01 00:00:00+00"}');
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
select tests.mk_task('hot becomes http', '{"run_at": "2033-02-01 00:00:00+00", "owner": "other"}');
update scheduler.tasks set action_type = 'http', action_payload = '{"url": "https://example.com/other"}'
where id = tests.fx('hot becomes http');
select is((select count(*)::int from scheduler_internal.signing_secrets where user_id = tests.fx('other')), 1,
  'changing a task to http gives its owner a signing secret');

-- a watcher's polls are signed like deliveries
select tests.mk_task('hot watcher', '{"owner": "newcomer", "action_type": "watch", "action_payload": {"source": {"type": "http", "url": "https://example.com/feed"}}}');
select is((select count(*)::int from scheduler_internal.signing_secrets where user_id = tests.fx('newcomer')), 1,
  'a watch task gives its owner a signing secret');

select * from finish();
rollback;
