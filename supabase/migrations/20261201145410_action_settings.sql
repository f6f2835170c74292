-- Settings of the sql and edge-function actions, written by hand (a schema
-- diff does not see rows). Idempotent.
insert into scheduler_internal.settings (key, value, description) values
  ('sql_action_schemas', '["public"]',
   'The schemas whose functions a sql task may call, as PostgREST''s exposed schemas bound rpc(). System schemas and functions of extensions are never callable.'),
  ('edge_function_allowlist', '[]',
   'The Edge Functions of this project a non-admin''s edge-function task may call (a JSON array of names). Admins may name any function but the scheduler''s own.')
on conflict (key) do nothing;
