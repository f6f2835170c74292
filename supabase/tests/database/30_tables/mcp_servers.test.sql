-- scheduler.mcp_servers: Streamable HTTP servers only (stdio is refused,
-- saying why), header values kept in Vault and never in the row, sharing by
-- admins only, the health check's columns kept for it, and the Vault
-- secrets gone with the headers and the server.
begin;
\ir ../_helpers/setup.psql
select plan(20);

select tests.seed_users();
select tests.authenticate_as('owner');

select throws_ok($$ insert into scheduler.mcp_servers (name, server_type, command, args) values ('fs', 'stdio', 'npx', '{@modelcontextprotocol/server-filesystem}') $$,
  '22023', 'command: stdio MCP servers cannot run in an Edge Function (it cannot start a process); give the url of a Streamable HTTP server instead',
  'a stdio server is refused, saying an Edge Function cannot run it');
select throws_ok($$ insert into scheduler.mcp_servers (name, command) values ('fs', 'npx server') $$,
  '22023', null, 'so is a command without a server_type');
select throws_ok($$ insert into scheduler.mcp_servers (name, server_type, url) values ('x', 'sse', 'https://mcp.example.com/sse') $$,
  '22023', 'server_type: must be streamable_http (the only kind an Edge Function can reach), got sse', 'other server types are refused by name');
select throws_ok($$ insert into scheduler.mcp_servers (name) values ('nourl') $$,
  '22023', 'url: is required (the server''s Streamable HTTP endpoint)', 'a server needs its url');
select throws_ok($$ insert into scheduler.mcp_servers (name, url) values ('bad', 'file:///etc/passwd') $$,
  '22023', 'url: must be an absolute http(s) URL (the server''s Streamable HTTP endpoint)', 'the url is http(s)');
select throws_ok($$ insert into scheduler.mcp_servers (name, url) values ('', 'https://mcp.example.com/mcp') $$,
  '22023', 'name: must be 1 to 100 characters', 'a server has a name');
select throws_ok($$ insert into scheduler.mcp_servers (name, url, is_shared) values ('mine', 'https://mcp.example.com/mcp', true) $$,
  '42501', 'is_shared: only an admin may share an MCP server', 'only an admin shares a server');
select throws_ok($$ insert into scheduler.mcp_servers (name, url, headers) values ('h', 'https://mcp.example.com/mcp', '{"Bad Header": "x"}') $$,
  '22023', 'headers: Bad Header is not a valid header name', 'header names are checked');
select throws_ok($$ insert into scheduler.mcp_servers (name, url, headers) values ('h', 'https://mcp.example.com/mcp', '{"X-Key": {"secret_id": "8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c"}}') $$,
  '22023', null, 'a new server cannot point a header at a Vault secret: it writes the value');

insert into scheduler.mcp_servers (name, url, headers, status, capabilities)
values ('crm', 'https://crm.example.com/mcp', '{"Authorization": "Bearer s3cr3t", "X-Team": "blue"}', 'active', '[{"name": "forged"}]');
select tests.remember('crm', (select id from scheduler.mcp_servers where name = 'crm'));

select ok((select headers::text from scheduler.mcp_servers where id = tests.fx('crm')) !~ 's3cr3t|blue',
  'the row keeps no header value');
select is((select status || ' ' || capabilities::text from scheduler.mcp_servers where id = tests.fx('crm')), 'inactive []',
  'a user''s insert starts unchecked, whatever it said of status and capabilities');
select throws_ok($$ update scheduler.mcp_servers set capabilities = '[{"name": "forged"}]' where id = tests.fx('crm') $$,
  '42501', 'status: status, last_heartbeat, last_error and capabilities are written by the health check, not by hand',
  'the health check''s columns are not a user''s to write');
select throws_ok($$ select 1 from vault.decrypted_secrets $$, '42501', null, 'and the user cannot read Vault');

select tests.clear_authentication();
select is((select jsonb_object_agg(h.key, d.decrypted_secret) from scheduler.mcp_servers s, jsonb_each(s.headers) h
    join vault.decrypted_secrets d on d.id = (h.value ->> 'secret_id')::uuid where s.id = tests.fx('crm')),
  '{"Authorization": "Bearer s3cr3t", "X-Team": "blue"}'::jsonb, 'the values are in Vault under the ids the row keeps');
create temp table old_secret on commit drop as
  select (headers -> 'Authorization' ->> 'secret_id')::uuid as id, headers -> 'X-Team' as team from scheduler.mcp_servers where id = tests.fx('crm');
grant select on old_secret to authenticated;

select tests.authenticate_as('owner');
-- one header replaced, one kept as it was
update scheduler.mcp_servers set headers = jsonb_build_object('Authorization', 'Bearer rotated', 'X-Team', (select team from old_secret))
where id = tests.fx('crm');
select is((select headers -> 'X-Team' from scheduler.mcp_servers where id = tests.fx('crm')), (select team from old_secret),
  'a header written back as its {"secret_id"} is kept');
select throws_ok($$ update scheduler.mcp_servers set headers = jsonb_build_object('X-Team', (select headers -> 'Authorization' from scheduler.mcp_servers where id = tests.fx('crm')))
    where id = tests.fx('crm') $$,
  '22023', null, 'a header cannot take another header''s secret id');
select tests.clear_authentication();
select is_empty($$ select 1 from vault.secrets where id = (select id from old_secret) $$, 'the replaced value is deleted from Vault');

select tests.authenticate_as('owner');
update scheduler.mcp_servers set url = 'https://crm2.example.com/mcp' where id = tests.fx('crm');
select tests.clear_authentication();
update scheduler.mcp_servers set status = 'active', last_heartbeat = now(), capabilities = '[{"name": "t"}]' where id = tests.fx('crm');
select tests.authenticate_as('owner');
update scheduler.mcp_servers set url = 'https://crm3.example.com/mcp' where id = tests.fx('crm');
select is((select status || ' ' || capabilities::text || ' ' || coalesce(last_heartbeat::text, 'never') from scheduler.mcp_servers where id = tests.fx('crm')),
  'inactive [] never', 'another url is another server: what the health check knew is forgotten');
create temp table crm_secrets on commit drop as
  select (h.value ->> 'secret_id')::uuid as id from scheduler.mcp_servers s, jsonb_each(s.headers) h where s.id = tests.fx('crm');
delete from scheduler.mcp_servers where id = tests.fx('crm');
select tests.clear_authentication();
select is((select count(*)::integer from vault.secrets where id in (select id from crm_secrets)), 0, 'deleting the server deletes its Vault secrets');

select tests.authenticate_as('owner');
insert into scheduler.mcp_servers (name, url) values ('dup', 'https://a.example.com/mcp');
select throws_ok($$ insert into scheduler.mcp_servers (name, url) values ('dup', 'https://b.example.com/mcp') $$,
  '23505', null, 'names are unique per owner');

select * from finish();
rollback;
