-- audit_trail (seed 004; seed 000's audit_log merged in): who changed what on
-- tasks, dependencies, permissions, approvals and profiles. Written only by
-- triggers; users read their own entries, admins read all.

create table scheduler.audit_trail (
  id uuid primary key default scheduler_internal.uuid_v7(),
  user_id uuid references auth.users (id) on delete set null,
  actor text not null,
  action text not null,
  entity_type text not null,
  entity_id uuid,
  old_values jsonb,
  new_values jsonb,
  ip_address inet,
  user_agent text,
  created_at timestamptz not null default now()
);


comment on table scheduler.audit_trail is 'Changes to tasks, task_dependencies, task_permissions, approvals, profiles and owner_limits: changed columns only. actor is the user id, or ''system'' for service work.';

create index audit_trail_user_id_idx on scheduler.audit_trail (user_id, created_at desc);

create index audit_trail_entity_idx on scheduler.audit_trail (entity_type, entity_id);

create index audit_trail_created_at_idx on scheduler.audit_trail (created_at desc);

alter table scheduler.audit_trail enable row level security;

-- audit_trail: the actor and admins read; only the audit trigger writes
-- (security definer), for nobody else, service_role included
revoke all on table scheduler.audit_trail from anon, authenticated, service_role;

grant select on table scheduler.audit_trail to authenticated, service_role;

create policy "Audit entries are visible to their actor and to admins" on scheduler.audit_trail
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
