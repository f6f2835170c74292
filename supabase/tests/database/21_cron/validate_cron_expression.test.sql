-- scheduler.validate_cron_expression: an expression that does not parse is
-- refused with 22023 and a message naming the field and the token.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select lives_ok($$ select scheduler.validate_cron_expression('30 2 * * MON-FRI') $$, 'a valid expression passes');
select throws_ok($$ select scheduler.validate_cron_expression('61 * * * *') $$, '22023',
  'invalid cron expression "61 * * * *": minute field: value 61 out of range 0-59', 'a value out of range names the field');
select throws_ok($$ select scheduler.validate_cron_expression('*/0 * * * *') $$, '22023',
  'invalid cron expression "*/0 * * * *": minute field: step 0 in "*/0"', 'a zero step names the token');
select throws_ok($$ select scheduler.validate_cron_expression('0 0 * * FOO') $$, '22023',
  'invalid cron expression "0 0 * * FOO": day-of-week field: unsupported character "F" in "FOO" (L, W and # are not supported)',
  'an unknown name says what is not supported');
select throws_ok($$ select scheduler.validate_cron_expression('* * *') $$, '22023',
  'invalid cron expression "* * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got 3',
  'a wrong number of fields says how many are expected');

-- bounded: the claim evaluates expressions, and long ones cost seconds each
select throws_ok(format($$ select scheduler.validate_cron_expression(%L) $$, repeat('*/1,', 5000) || '*/1 * * * *'), '22023',
  'invalid cron expression "*/1,*/1,*/1,*/1,*/1,*/1,*/1,*/1,*/1,*/1,...": it is 20011 characters long; the limit is 256',
  'an expression over 256 characters is refused, quoting only its start');
select throws_ok($$ select scheduler.validate_cron_expression('0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,0 * * * *') $$, '22023',
  'invalid cron expression "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,...": minute field: 61 list items; the limit is 60',
  'more than 60 list items in a field are refused');
select lives_ok($$ select scheduler.validate_cron_expression('0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59 * * * *') $$,
  'every minute of the hour listed one by one is fine');
-- numbers too long for an integer are out of range (22023), not an overflow (22003)
select throws_ok($$ select scheduler.validate_cron_expression('99999999999 * * * *') $$, '22023',
  'invalid cron expression "99999999999 * * * *": minute field: value 99999999999 out of range 0-59', 'a huge value is out of range');
select throws_ok($$ select scheduler.validate_cron_expression('0 1-99999999999 * * *') $$, '22023',
  'invalid cron expression "0 1-99999999999 * * *": hour field: value 99999999999 out of range 0-23', 'a huge range end too');
select throws_ok($$ select scheduler.validate_cron_expression('*/99999999999 * * * *') $$, '22023',
  'invalid cron expression "*/99999999999 * * * *": minute field: step 99999999999 is larger than the field (60 values)', 'a huge step too');
select lives_ok($$ select scheduler.validate_cron_expression('007 * * * *') $$, 'leading zeros are still a small number');

select * from finish();
rollback;
