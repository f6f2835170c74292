-- mcp_servers (seed 004): remote MCP servers whose tools an ai-prompt task
-- may give its model (action_payload.mcp_servers names them). Only Streamable
-- HTTP servers: the action runs in an Edge Function, which cannot spawn the
-- processes stdio servers are (seed 004's command, args and environment).
-- Header values (an API key) go to Vault when written: the row keeps only
-- the Vault secret's id. An owner uses their own servers, and the ones an
-- admin shared (is_shared); status, last_heartbeat, last_error and
-- capabilities are the health check's (record_mcp_health), which runs each
-- time an ai-prompt run lists the server's tools.

create table scheduler.mcp_servers (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  server_type text not null default 'streamable_http',
  url text,
  command text,
  args text[],
  headers jsonb not null default '{}'::jsonb,
  status text not null default 'inactive',
  last_heartbeat timestamptz,
  last_error text,
  capabilities jsonb not null default '[]'::jsonb,
  is_active boolean not null default true,
  is_shared boolean not null default false,
  created_by uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint mcp_servers_status_check check (status in ('active', 'inactive', 'error')),
  constraint mcp_servers_name_length check (length(name) between 1 and 100),
  constraint mcp_servers_last_error_length check (length(last_error) <= 2000),
  constraint mcp_servers_created_by_name_key unique (created_by, name)
);

comment on table scheduler.mcp_servers is 'Remote (Streamable HTTP) MCP servers whose tools ai-prompt tasks may use (seed 004). An owner uses their own and the ones an admin shared.';

comment on column scheduler.mcp_servers.server_type is 'streamable_http, the only kind an Edge Function can reach; stdio is refused (seed 004 server_type).';

comment on column scheduler.mcp_servers.command is 'seed 004''s stdio command: always null (refused on write, an Edge Function cannot start a process).';

comment on column scheduler.mcp_servers.args is 'seed 004''s stdio arguments: always null (refused on write).';

comment on column scheduler.mcp_servers.headers is 'Sent with every request to the server. Written as {"Name": "value"}; each value is moved to Vault and the row keeps {"Name": {"secret_id": "<vault id>"}}. Write an unchanged {"secret_id"} back to keep a header, a string to replace it (seed 004 environment).';

comment on column scheduler.mcp_servers.status is 'active (the last health check listed its tools), error (it failed: last_error), inactive (not checked since it was written) (seed 004).';

comment on column scheduler.mcp_servers.last_heartbeat is 'When the last health check succeeded (seed 004).';

comment on column scheduler.mcp_servers.capabilities is 'The tools the server listed at the last health check: [{name, description, input_schema}] (seed 004 capabilities).';

comment on column scheduler.mcp_servers.is_shared is 'Set by an admin: every user''s tasks may use the server (with the admin''s headers, which they never see).';

-- shared servers, by name: what a run resolves besides the owner's own (the unique key serves those)
create index mcp_servers_shared_name_idx on scheduler.mcp_servers (name) where is_shared;

alter table scheduler.mcp_servers enable row level security;

-- mcp_servers: owners read and write their own (authors add them, as
-- they create tasks); shared ones are visible to
-- everyone signed in (their header values never are: they are in Vault);
-- admins manage all. The health check writes as service_role.
revoke all on table scheduler.mcp_servers from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.mcp_servers to authenticated, service_role;

create policy "MCP servers are visible to their owners, admins, and everyone when shared" on scheduler.mcp_servers
  for select to authenticated using (created_by = (select auth.uid()) or is_shared or (select scheduler_internal.is_admin()));

create policy "MCP servers can be added by authors for themselves, or by admins" on scheduler.mcp_servers
  for insert to authenticated with check (
    (created_by = (select auth.uid()) and (select scheduler_internal.can_author())) or (select scheduler_internal.is_admin()));

create policy "MCP servers can be changed by their owners or admins" on scheduler.mcp_servers
  for update to authenticated
  using (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "MCP servers can be removed by their owners or admins" on scheduler.mcp_servers
  for delete to authenticated using (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _010_validate before insert or update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__validate();

create trigger _020_guard_attribution before update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__guard_attribution('created_by');

create trigger _030_store_headers before insert or update of headers on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__store_headers();

create trigger _100_set_updated_at before update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _800_forget_headers after update of headers or delete on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__forget_headers();

create trigger _900_audit after insert or update or delete on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__audit('id');
