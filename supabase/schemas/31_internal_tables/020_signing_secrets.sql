-- per-owner webhook signing secrets (Standard Webhooks): the http action's
-- (the owner reads it and hands it to receivers), the edge-function action's
-- (only the project's service side reads it, so a call signed with it came
-- from the scheduler), and the inbound endpoint's (the owner hands it to the
-- systems that send events).

create table scheduler_internal.signing_secrets (
  user_id uuid primary key references auth.users (id) on delete cascade,
  secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'base64')),
  created_at timestamptz not null default now(),
  function_secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'base64')),
  inbound_secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'base64'))
);

comment on table scheduler_internal.signing_secrets is 'Per-owner Standard Webhooks signing secrets: secret for the http action (scheduler.my_signing_secret()), function_secret for edge-function calls (scheduler.edge_function_secret(user), service_role only), inbound_secret for events sent to the inbound-events function (scheduler.my_inbound_secret()).';

comment on column scheduler_internal.signing_secrets.function_secret is 'Signs the edge-function action''s calls. Never shown to the owner: the project''s functions read it (scheduler.edge_function_secret) to know a call came from the scheduler.';

comment on column scheduler_internal.signing_secrets.inbound_secret is 'Verifies events external systems send to the inbound-events function for this user; the user reads it with scheduler.my_inbound_secret().';

alter table scheduler_internal.signing_secrets enable row level security;

revoke all on table scheduler_internal.signing_secrets from public, anon, authenticated;

grant select on table scheduler_internal.signing_secrets to service_role;
