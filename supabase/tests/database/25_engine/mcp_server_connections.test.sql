-- scheduler.mcp_server_connections and scheduler.record_mcp_health: a run
-- reaches the servers its task's owner may use (their own first, then one an
-- admin shared; never another user's, never an inactive one), with the
-- header values read from Vault; the health check records what it found.
begin;
\ir ../_helpers/setup.psql
select plan(9);

select tests.seed_users();
set local scheduler.now = '2037-04-01 00:00:00+00';
select tests.mk_task('agent', '{"action_type": "ai-prompt", "action_payload": {"prompt": "p", "mcp_servers": ["crm"], "allowed_tools": ["t"]}}');
insert into scheduler.mcp_servers (name, url, headers, created_by) values
  ('crm', 'https://own.example.com/mcp', '{"Authorization": "Bearer own"}', tests.fx('owner')),
  ('off', 'https://off.example.com/mcp', '{}', tests.fx('owner')),
  ('theirs', 'https://theirs.example.com/mcp', '{}', tests.fx('other'));
update scheduler.mcp_servers set is_active = false where name = 'off';
insert into scheduler.mcp_servers (name, url, is_shared, created_by) values
  ('crm', 'https://shared-crm.example.com/mcp', true, tests.fx('admin')),
  ('wiki', 'https://wiki.example.com/mcp', true, tests.fx('admin'));

create temp table got on commit drop as
  select * from scheduler.mcp_server_connections(tests.fx('agent'), array['crm', 'wiki', 'theirs', 'off', 'nope']);

select is((select url || ' ' || headers::text from got where name = 'crm'), 'https://own.example.com/mcp {"Authorization": "Bearer own"}',
  'the owner''s own server comes first, with its header value from Vault');
select is((select url from got where name = 'wiki'), 'https://wiki.example.com/mcp', 'a server an admin shared is usable');
select is((select error from got where name = 'theirs'),
  'no MCP server named "theirs" that the task''s owner may use (their own, or one an admin shared) is active', 'another user''s server is not');
select ok((select server_id is null and error is not null from got where name = 'off'), 'nor an inactive one');
select is((select array_agg(name order by name) from got), array['crm', 'nope', 'off', 'theirs', 'wiki'], 'one row per name asked');

select tests.authenticate_as('owner');
select throws_ok($$ select * from scheduler.mcp_server_connections(tests.fx('agent'), array['crm']) $$, '42501', null,
  'a signed-in user cannot read the connections (the header values)');
select tests.clear_authentication();

select is(scheduler.record_mcp_health(jsonb_build_array(
    jsonb_build_object('server_id', (select server_id from got where name = 'crm'), 'ok', true, 'tools', '[{"name": "lookup"}]'::jsonb),
    jsonb_build_object('server_id', (select server_id from got where name = 'wiki'), 'ok', false, 'error', 'connection refused')),
  '2037-04-01 00:05:00+00'), 2, 'the health check records two servers');
select is((select status || ' ' || last_heartbeat::text || ' ' || capabilities::text from scheduler.mcp_servers where id = (select server_id from got where name = 'crm')),
  'active 2037-04-01 00:05:00+00 [{"name": "lookup"}]', 'a server that listed its tools is active, with them and a heartbeat');
select is((select status || ' ' || last_error || ' ' || coalesce(last_heartbeat::text, 'never') from scheduler.mcp_servers where id = (select server_id from got where name = 'wiki')),
  'error connection refused never', 'one that failed is in error, saying why');

select * from finish();
rollback;
