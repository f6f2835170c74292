-- scheduler.emit_event: the trigger function an app attaches to its own
-- tables. The row, the old row and the operation become an event of the
-- row's owner (the named column), whoever wrote the row; subscribed tasks
-- start at once; only the function's owner may attach it, so no user can
-- hang it on a table of their own to forge another owner's events.
begin;
\ir ../_helpers/setup.psql
select plan(13);

select tests.seed_users();
set local scheduler.now = '2031-03-01 00:00:00+00';

create table public.tap_orders (id serial primary key, user_id uuid, seller_id uuid, total integer, note text);
alter table public.tap_orders enable row level security;
grant select, insert, update, delete on public.tap_orders to authenticated;
grant usage on sequence public.tap_orders_id_seq to authenticated;
-- the app lets a user write their own orders, and orders they sell
create policy tap_orders_own on public.tap_orders for all to authenticated
  using (user_id = auth.uid() or seller_id = auth.uid()) with check (user_id = auth.uid() or seller_id = auth.uid());
create trigger tap_order_created after insert on public.tap_orders
  for each row execute function scheduler.emit_event('order_created', 'user_id');
create trigger tap_order_changed after update or delete on public.tap_orders
  for each row execute function scheduler.emit_event('order_changed');

select tests.mk_task('on_order', '{"type": "event"}');
insert into scheduler.task_event_triggers (task_id, event_name) values (tests.fx('on_order'), 'order_created');

select tests.authenticate_as('owner');
insert into public.tap_orders (user_id, total) values (tests.fx('owner'), 42);
select tests.clear_authentication();
select is((select payload - 'record' from scheduler.events where event_type = 'order_created' and user_id = tests.fx('owner')),
  '{"type": "INSERT", "table": "tap_orders", "schema": "public", "old_record": null}'::jsonb,
  'an insert becomes an event of the row''s owner, shaped like a Database Webhook payload');
select is((select payload -> 'record' ->> 'total' from scheduler.events where event_type = 'order_created' and user_id = tests.fx('owner')), '42',
  'with the row as record');
select is((select count(*)::int from scheduler.task_runs where task_id = tests.fx('on_order') and triggered_by = 'event:order_created'), 1,
  'and the owner''s subscribed task is started at once');

-- another user writes a row the app lets them write: the event is the row's owner's, never the writer's
select tests.authenticate_as('other');
insert into public.tap_orders (user_id, seller_id, total) values (tests.fx('owner'), tests.fx('other'), 7);
select tests.clear_authentication();
select is((select array_agg(distinct user_id) from scheduler.events where event_type = 'order_created'), array[tests.fx('owner')],
  'a row another user writes is an event of the row''s owner, not of the writer');
select is_empty($$ select 1 from scheduler.events where user_id = tests.fx('other') $$,
  'and the writer gets no event of their own from it');

select tests.authenticate_as('owner');
update public.tap_orders set total = 43 where total = 42;
delete from public.tap_orders where total = 43;
select tests.clear_authentication();
select is((select array_agg(payload ->> 'type' order by created_at, id) from scheduler.events where event_type = 'order_changed'),
  array['UPDATE', 'DELETE'], 'updates and deletes, under the default owner column user_id');
select is((select (payload -> 'old_record' ->> 'total', payload -> 'record' ->> 'total') from scheduler.events
           where event_type = 'order_changed' and payload ->> 'type' = 'UPDATE')::text, '(42,43)', 'an update carries the old row and the new');
select ok((select payload -> 'record' = 'null'::jsonb and payload -> 'old_record' ->> 'total' = '43' from scheduler.events
           where event_type = 'order_changed' and payload ->> 'type' = 'DELETE'), 'a delete carries the old row');

insert into public.tap_orders (user_id, total) values (null, 1);
select is((select count(*)::int from scheduler.events where event_type = 'order_created'), 2, 'a row with no owner makes no event');
insert into public.tap_orders (user_id, total) values (gen_random_uuid(), 1);
select is((select count(*)::int from scheduler.events where event_type = 'order_created'), 2,
  'nor does a row of someone who is not a user (and the app''s write goes through)');

create table public.tap_bad (id serial primary key, owner text);
create trigger tap_bad after insert on public.tap_bad for each row execute function scheduler.emit_event('x', 'user_id');
select throws_like($$ insert into public.tap_bad (owner) values ('x') $$, '%the table has no column "user_id" to take the event''s owner from%',
  'a missing owner column is named');

-- attaching it takes EXECUTE, which only its owner holds
select ok(not has_function_privilege('authenticated', 'scheduler.emit_event()', 'execute')
  and not has_function_privilege('service_role', 'scheduler.emit_event()', 'execute'), 'no API role may attach it');
select tests.authenticate_as('other');
select throws_ok($$
  create temporary table tap_forge (user_id uuid);
  create trigger tap_forge after insert on tap_forge for each row execute function scheduler.emit_event('order_created')
$$, '42501', null, 'a user cannot hang it on a table of their own to make events for someone else');
select tests.clear_authentication();

select * from finish();
rollback;
