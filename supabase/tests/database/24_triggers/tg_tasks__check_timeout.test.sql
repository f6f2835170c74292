-- scheduler_internal.tg_tasks__check_timeout: a timeout the platform cannot
-- honour (an Edge Function's wall clock, less the margin) is refused at
-- write time, saying why; the limit follows the edge_wall_clock_seconds
-- setting.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
select tests.mk_task('owned');
select throws_ok($$ update scheduler.tasks set timeout_seconds = 61 where id = tests.fx('owned') $$, '22023',
  'timeout_seconds 61 cannot be honoured: a run may last at most 60 s here', 'a timeout beyond the Free plan''s limit is refused, saying why');
update scheduler_internal.settings set value = '400' where key = 'edge_wall_clock_seconds';
select lives_ok($$ update scheduler.tasks set timeout_seconds = 185 where id = tests.fx('owned') $$, 'with the paid wall clock, 185 s are allowed');
select throws_ok($$ update scheduler.tasks set timeout_seconds = 186 where id = tests.fx('owned') $$, '22023', null, 'and 186 s are not');

select * from finish();
rollback;
