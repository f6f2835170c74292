-- per-owner webhook signing secrets (Standard Webhooks) for the http action.

create table scheduler_internal.signing_secrets (
  user_id uuid primary key references auth.users (id) on delete cascade,
  secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'base64')),
  created_at timestamptz not null default now()
);

comment on table scheduler_internal.signing_secrets is 'Per-owner Standard Webhooks signing secret for the http action. Read yours with select scheduler.my_signing_secret().';

alter table scheduler_internal.signing_secrets enable row level security;

revoke all on table scheduler_internal.signing_secrets from public, anon, authenticated;

grant select on table scheduler_internal.signing_secrets to service_role;
