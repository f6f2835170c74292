-- scheduler_internal.tg_tasks__validate_flow_control: a max_concurrency, a
-- rate limit or a debounce that cannot work is refused when the task is
-- written (22023), with a message naming the field; sensible ones, and
-- null (no limit), are taken. Signed in, as supabase-js would write them.
begin;
\ir ../_helpers/setup.psql
select plan(16);

select tests.seed_users();
select tests.mk_task('flow');
select tests.authenticate_as('owner');

select throws_ok($$ update scheduler.tasks set max_concurrency = 0 where id = tests.fx('flow') $$, '22023',
  'max_concurrency: must be at least 1 (null for no limit), got 0', 'a zero max_concurrency is refused, naming the field');
select throws_ok($$ update scheduler.tasks set max_concurrency = -3 where id = tests.fx('flow') $$, '22023',
  'max_concurrency: must be at least 1 (null for no limit), got -3', 'so is a negative one');
select throws_ok($$ update scheduler.tasks set max_concurrency = 10001 where id = tests.fx('flow') $$, '22023',
  'max_concurrency: at most 10000 (null for no limit), got 10001', 'and one past the bound');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload, max_concurrency)
  values ('bad', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', 0) $$, '22023',
  'max_concurrency: must be at least 1 (null for no limit), got 0', 'on insert too');
select lives_ok($$ update scheduler.tasks set max_concurrency = 3, overlap_policy = 'allow' where id = tests.fx('flow') $$,
  'a positive max_concurrency is taken');
select lives_ok($$ update scheduler.tasks set max_concurrency = null where id = tests.fx('flow') $$, 'and null lifts it');

select throws_ok($$ update scheduler.tasks set rate_limit_count = 0, rate_limit_period = '1 minute' where id = tests.fx('flow') $$, '22023',
  'rate_limit_count: must be at least 1 (null for no limit), got 0', 'a zero rate limit is refused, naming the field');
select throws_ok($$ update scheduler.tasks set rate_limit_count = -1, rate_limit_period = '1 minute' where id = tests.fx('flow') $$, '22023',
  'rate_limit_count: must be at least 1 (null for no limit), got -1', 'so is a negative one');
select throws_ok($$ update scheduler.tasks set rate_limit_count = 5 where id = tests.fx('flow') $$, '22023',
  'rate_limit_period: a rate limit is rate_limit_count starts per rate_limit_period; set both, or neither',
  'a count without a period names the missing period');
select throws_ok($$ update scheduler.tasks set rate_limit_period = '1 hour' where id = tests.fx('flow') $$, '22023',
  'rate_limit_count: a rate limit is rate_limit_count starts per rate_limit_period; set both, or neither',
  'a period without a count names the missing count');
select throws_ok($$ update scheduler.tasks set rate_limit_count = 5, rate_limit_period = '0 seconds' where id = tests.fx('flow') $$, '22023',
  'rate_limit_period: must be between 1 second and 31 days, got 00:00:00', 'a zero period is refused');
select lives_ok($$ update scheduler.tasks set rate_limit_count = 10, rate_limit_period = '1 minute' where id = tests.fx('flow') $$,
  'ten starts a minute are taken');

select throws_ok($$ update scheduler.tasks set debounce_window = '0 seconds' where id = tests.fx('flow') $$, '22023',
  'debounce_window: must be between 1 second and 1 day (null: one run per event), got 00:00:00', 'a zero debounce window is refused');
select throws_ok($$ update scheduler.tasks set debounce_window = '-5 seconds' where id = tests.fx('flow') $$, '22023',
  'debounce_window: must be between 1 second and 1 day (null: one run per event), got -00:00:05', 'so is a negative one');
select throws_ok($$ update scheduler.tasks set debounce_inputs = 'first' where id = tests.fx('flow') $$, '22023',
  'debounce_inputs: must be one of last, all, got "first"', 'debounce_inputs names its choices');
select lives_ok($$ update scheduler.tasks set debounce_window = '10 seconds', debounce_inputs = 'all' where id = tests.fx('flow') $$,
  'a ten-second window gathering all the events is taken');

select * from finish();
rollback;
