-- scheduler_internal.tg_tasks__sync_due keeps scheduler_internal.due_tasks,
-- the claim's due index, equal to the tasks: a row for each active,
-- undeleted task with a next_run_at (its due time, owner and priority),
-- none for the others, whoever writes the task (a signed-in user, the
-- claim); and the claim's advance of the task itself is a HOT update.
begin;
\ir ../_helpers/setup.psql
select plan(11);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
create function pg_temp.due(p_task text) returns text language sql as $$
  select coalesce((select d.next_run_at || ' ' || d.priority || ' ' || (d.owner_id = tests.fx('owner'))
                   from scheduler_internal.due_tasks d where d.task_id = tests.fx(p_task)), 'none')
$$;

-- a user writes tasks (the definer trigger writes the table they cannot)
select tests.authenticate_as('owner');
insert into scheduler.tasks (name, type, schedule_cron, action_type, action_payload)
values ('daily', 'scheduled', '0 9 * * *', 'notify', '{"channel": "web", "title": "t", "message": "m"}');
select tests.clear_authentication();
select tests.remember('daily', (select id from scheduler.tasks where name = 'daily' and owner_id = tests.fx('owner')));
select is(pg_temp.due('daily'), '2031-01-01 09:00:00+00 medium true', 'a new scheduled task has its due row');
select tests.mk_task('manual');
select is(pg_temp.due('manual'), 'none', 'a task with nothing scheduled has none');

select tests.authenticate_as('owner');
update scheduler.tasks set priority = 'high' where id = tests.fx('daily');
select tests.clear_authentication();
select is(pg_temp.due('daily'), '2031-01-01 09:00:00+00 high true', 'an edit of its priority follows');
update scheduler.tasks set is_active = false where id = tests.fx('daily');
select is(pg_temp.due('daily'), 'none', 'a paused task has none');
update scheduler.tasks set is_active = true where id = tests.fx('daily');
select is(pg_temp.due('daily'), '2031-01-01 09:00:00+00 high true', 'resumed, it is back');
update scheduler.tasks set deleted_at = '2031-01-01 00:00:00+00' where id = tests.fx('daily');
select is(pg_temp.due('daily'), 'none', 'a deleted task has none');
update scheduler.tasks set deleted_at = null where id = tests.fx('daily');

-- the claim advances it: the row follows, the task's own update is HOT
create temp table hot_before on commit drop as
  select n_tup_upd, n_tup_hot_upd from pg_stat_xact_user_tables where relid = 'scheduler.tasks'::regclass;
select is((select count(*)::integer from scheduler.claim_due_runs(1000, '2031-01-01 09:00:00+00', interval '0', 'w', null) c
           where c.task_id = tests.fx('daily')), 1, 'the claim finds the task through its due row');
select is(pg_temp.due('daily'), '2031-01-02 09:00:00+00 high true', 'and the row follows its advance');
select ok((select s.n_tup_hot_upd - b.n_tup_hot_upd >= 1 from pg_stat_xact_user_tables s, hot_before b
           where s.relid = 'scheduler.tasks'::regclass),
  'the advance of the task is a HOT update (no index covers next_run_at or last_run_at)');

-- a one-off that ran has nothing scheduled
select tests.mk_task('once', '{"run_at": "2031-01-01 10:00:00+00"}');
select is(pg_temp.due('once'), '2031-01-01 10:00:00+00 medium true', 'a one-off has its row until it runs');
select count(*) from scheduler.claim_due_runs(1000, '2031-01-01 10:00:00+00', interval '0', 'w', null);
select is(pg_temp.due('once'), 'none', 'and none after the claim');

select * from finish();
rollback;
