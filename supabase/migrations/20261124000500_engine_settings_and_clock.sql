-- engine settings, the clock the triggers read, per-user webhook signing
-- secrets, and the dispatcher heartbeat the dead-man check watches.

create table scheduler_internal.settings (
  key text primary key,
  value jsonb not null,
  description text not null default '',
  updated_at timestamptz not null default now()
);
comment on table scheduler_internal.settings is 'Engine settings. Change with: update scheduler_internal.settings set value = ... where key = ...';
alter table scheduler_internal.settings enable row level security;
revoke all on scheduler_internal.settings from public, anon, authenticated;

insert into scheduler_internal.settings (key, value, description) values
  ('run_retention', '"30 days"', 'Finished runs older than this are pruned daily (prune-run-history).'),
  ('log_retention', '"30 days"', 'system_logs rows older than this are pruned daily.'),
  ('prune_batch_size', '5000', 'Rows deleted per batch (and per commit) when pruning.'),
  ('misfire_grace', '"2 minutes"', 'A due time older than this when claimed counts as missed (scheduler was down).'),
  ('lease_margin', '"2 minutes"', 'Added to a run''s timeout to form its lease.'),
  ('dead_man_minutes', '5', 'Admins are notified when the dispatcher has not ticked for this many minutes.'),
  ('dispatcher_timeout_ms', '10000', 'pg_net timeout for the call that wakes the dispatcher.')
on conflict (key) do nothing;

create or replace function scheduler_internal.setting(p_key text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select value from scheduler_internal.settings where key = p_key
$$;
comment on function scheduler_internal.setting(text) is 'Reads an engine setting.';
revoke execute on function scheduler_internal.setting(text) from public, anon, authenticated;
grant execute on function scheduler_internal.setting(text) to service_role;

-- triggers cannot take p_now, so they read this clock; tests pin it with
-- `set local scheduler.now = '...'`
create or replace function scheduler_internal.clock_now() returns timestamptz
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('scheduler.now', true), '')::timestamptz, now())
$$;
comment on function scheduler_internal.clock_now() is 'now(), unless the transaction pins scheduler.now (tests).';
grant execute on function scheduler_internal.clock_now() to authenticated, service_role;

create table scheduler_internal.signing_secrets (
  user_id uuid primary key references auth.users (id) on delete cascade,
  secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'base64')),
  created_at timestamptz not null default now()
);
comment on table scheduler_internal.signing_secrets is 'Per-owner Standard Webhooks signing secret for the http action. Read yours with select scheduler.my_signing_secret().';
alter table scheduler_internal.signing_secrets enable row level security;
revoke all on scheduler_internal.signing_secrets from public, anon, authenticated;

create or replace function scheduler.my_signing_secret() returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_secret text;
begin
  if v_uid is null then
    raise exception 'my_signing_secret() needs a signed-in user' using errcode = '42501';
  end if;
  insert into scheduler_internal.signing_secrets (user_id) values (v_uid) on conflict (user_id) do nothing;
  select secret into v_secret from scheduler_internal.signing_secrets where user_id = v_uid;
  return v_secret;
end;
$$;
comment on function scheduler.my_signing_secret() is 'The caller''s webhook signing secret (whsec_...), created on first use. Receivers verify webhook-signature with it.';
revoke execute on function scheduler.my_signing_secret() from public, anon;
grant execute on function scheduler.my_signing_secret() to authenticated;

create table scheduler_internal.dispatcher_heartbeat (
  id boolean primary key default true check (id),
  last_tick_at timestamptz,
  alerted_at timestamptz
);
comment on table scheduler_internal.dispatcher_heartbeat is 'When the dispatcher last claimed, and when admins were last told it stopped.';
alter table scheduler_internal.dispatcher_heartbeat enable row level security;
revoke all on scheduler_internal.dispatcher_heartbeat from public, anon, authenticated;
insert into scheduler_internal.dispatcher_heartbeat default values on conflict do nothing;
