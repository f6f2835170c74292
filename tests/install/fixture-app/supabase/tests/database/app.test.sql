-- The app's own pgTAP test: its signup trigger makes a profile, and its RLS
-- keeps one user's todo list from another.
begin;
select plan(5);

select has_table('public', 'profiles', 'the app has its profiles');
select has_table('public', 'tasks', 'the app has its todo list');

insert into auth.users (id, email, raw_user_meta_data, role, aud) values
  ('0a000000-0000-4000-8000-0000000000a1', 'ada@existing-app.test', '{"name": "Ada"}', 'authenticated', 'authenticated'),
  ('0a000000-0000-4000-8000-0000000000b2', 'bob@existing-app.test', '{"name": "Bob"}', 'authenticated', 'authenticated');
select is((select display_name from public.profiles where id = '0a000000-0000-4000-8000-0000000000a1'), 'Ada',
  'the signup trigger makes the profile');

insert into public.tasks (owner_id, title) values
  ('0a000000-0000-4000-8000-0000000000a1', 'Ada''s todo'),
  ('0a000000-0000-4000-8000-0000000000b2', 'Bob''s todo');

set local role authenticated;
set local request.jwt.claims = '{"sub": "0a000000-0000-4000-8000-0000000000a1", "role": "authenticated"}';
select results_eq('select title from public.tasks', $$values ('Ada''s todo')$$, 'a user sees only their own todos');
select is_empty($$select 1 from public.profiles where id = '0a000000-0000-4000-8000-0000000000b2'$$, 'nor another user''s profile');

select * from finish();
rollback;
