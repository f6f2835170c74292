-- scheduler_internal.tg_owner_limits__validate: an owner's cap on runs in
-- flight and weight in the claim's fair share are refused out of range
-- (22023), naming the field. An admin sets them, signed in.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select tests.seed_users();
select tests.authenticate_as('admin');
select throws_ok($$ insert into scheduler.owner_limits (owner_id, max_in_flight) values (tests.fx('owner'), 0) $$, '22023',
  'max_in_flight: must be between 1 and 1000000 (null: the owner_max_in_flight setting), got 0', 'a zero cap is refused, naming the field');
select throws_ok($$ insert into scheduler.owner_limits (owner_id, weight) values (tests.fx('owner'), 0) $$, '22023',
  'weight: must be between 1 and 100, got 0', 'a zero weight is refused');
select throws_ok($$ insert into scheduler.owner_limits (owner_id, weight) values (tests.fx('owner'), 101) $$, '22023',
  'weight: must be between 1 and 100, got 101', 'and a weight past the bound');
select lives_ok($$ insert into scheduler.owner_limits (owner_id, max_in_flight, weight) values (tests.fx('owner'), 50, 3) $$,
  'a cap of 50 and a weight of 3 are taken');
select throws_ok($$ update scheduler.owner_limits set max_in_flight = -1 where owner_id = tests.fx('owner') $$, '22023',
  'max_in_flight: must be between 1 and 1000000 (null: the owner_max_in_flight setting), got -1', 'on update too');

select * from finish();
rollback;
