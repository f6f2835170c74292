-- The daily pruning of idempotency keys: a key past the idempotency_window
-- setting collapses nothing any more and goes; a key inside its window
-- stays, so a repeat is still caught. Keys of runs also go with their run.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select tests.seed_users();
select tests.mk_task('report', '{}');
select tests.authenticate_as('owner');
select scheduler.run_task_now(tests.fx('report'), now() - interval '25 hours', null, 'pgtap-old-key');
select scheduler.run_task_now(tests.fx('report'), now() - interval '23 hours', null, 'pgtap-young-key');
insert into scheduler.events (event_type, idempotency_key) values ('pgtap_prune', 'pgtap-young-event');
select tests.clear_authentication();
set local scheduler.now = '2020-01-01 00:00:00+00';
select tests.authenticate_as('owner');
insert into scheduler.events (event_type, idempotency_key) values ('pgtap_prune', 'pgtap-old-event');
select tests.clear_authentication();
reset scheduler.now;

select cmp_ok((scheduler.prune_history(now()) #>> '{deleted,idempotency_keys}')::int, '>=', 2, 'prune_history reports the keys it pruned');
select is(array(select key from scheduler_internal.idempotency_keys where key like 'pgtap-%' order by key),
  array['pgtap-young-event', 'pgtap-young-key'], 'keys past their window go, keys inside it stay');
select tests.authenticate_as('owner');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('report')), 2, 'pruning keys leaves their runs alone');
delete from scheduler.task_runs where task_id = tests.fx('report');
select tests.clear_authentication();
select is_empty($$ select 1 from scheduler_internal.idempotency_keys where key = 'pgtap-young-key' $$, 'and a key goes with its run');

select * from finish();
rollback;
