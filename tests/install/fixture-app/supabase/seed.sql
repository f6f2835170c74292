-- The app's own seed: one user, whose profile the signup trigger makes.
insert into auth.users (id, email, raw_user_meta_data, role, aud)
values ('0a000000-0000-4000-8000-000000000001', 'seeded@existing-app.test', '{"name": "Seeded user"}', 'authenticated', 'authenticated')
on conflict (id) do nothing;
