-- scheduler_internal.tg_settings__validate: owner_max_in_flight, the
-- claim's per-owner cap on runs in flight, is refused when written out of
-- range (zero, negative, fractional, not a number), naming the setting
-- (22023); a whole number of at least 1, or null, is taken.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select throws_ok($$ update scheduler_internal.settings set value = '0' where key = 'owner_max_in_flight' $$, '22023',
  'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got 0',
  'a zero cap is refused, naming the setting');
select throws_ok($$ update scheduler_internal.settings set value = '-5' where key = 'owner_max_in_flight' $$, '22023',
  'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got -5',
  'so is a negative one');
select throws_ok($$ update scheduler_internal.settings set value = '2.5' where key = 'owner_max_in_flight' $$, '22023',
  'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got 2.5',
  'and a fraction');
select throws_ok($$ update scheduler_internal.settings set value = '"10"' where key = 'owner_max_in_flight' $$, '22023',
  null, 'and a string');
select lives_ok($$ update scheduler_internal.settings set value = '50' where key = 'owner_max_in_flight' $$, 'a whole number is taken');
select lives_ok($$ update scheduler_internal.settings set value = 'null' where key = 'owner_max_in_flight' $$, 'and null lifts the cap');
select is((select value from scheduler_internal.settings where key = 'owner_max_in_flight'), 'null'::jsonb, 'the last accepted value stands');

select * from finish();
rollback;
