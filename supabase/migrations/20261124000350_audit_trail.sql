-- audit_trail (seed 004; seed 000's audit_log merged in): who changed what on
-- tasks, dependencies, permissions, approvals and profiles. Written only by
-- triggers; users read their own entries, admins read all.

create table scheduler.audit_trail (
  id uuid primary key default gen_random_uuid(),
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
comment on table scheduler.audit_trail is 'Changes to tasks, task_dependencies, task_permissions, approvals and profiles: changed columns only. actor is the user id, or ''system'' for service work.';
create index audit_trail_user_id_idx on scheduler.audit_trail (user_id, created_at desc);
create index audit_trail_entity_idx on scheduler.audit_trail (entity_type, entity_id);
create index audit_trail_created_at_idx on scheduler.audit_trail (created_at desc);

alter table scheduler.audit_trail enable row level security;
revoke all on scheduler.audit_trail from anon;
revoke insert, update, delete, truncate on scheduler.audit_trail from authenticated, service_role;

create policy "Audit entries are visible to their actor and to admins" on scheduler.audit_trail
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

-- tg_argv[0]: the column that identifies the entity
create or replace function scheduler_internal.tg__audit() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then pg_catalog.to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then pg_catalog.to_jsonb(new) end;
  v_key text;
  v_old_changed jsonb := '{}'::jsonb;
  v_new_changed jsonb := '{}'::jsonb;
  v_uid uuid := (select auth.uid());
  v_headers jsonb := nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb;
begin
  if tg_op = 'UPDATE' then
    for v_key in select jsonb_object_keys(v_new) loop
      if v_key not in ('updated_at', 'search', 'next_run_at', 'last_run_at') and v_new -> v_key is distinct from v_old -> v_key then
        v_old_changed := v_old_changed || pg_catalog.jsonb_build_object(v_key, v_old -> v_key);
        v_new_changed := v_new_changed || pg_catalog.jsonb_build_object(v_key, v_new -> v_key);
      end if;
    end loop;
    if v_new_changed = '{}'::jsonb then
      return null;
    end if;
  elsif tg_op = 'INSERT' then
    v_new_changed := v_new - 'search';
    v_old_changed := null;
  else
    v_old_changed := v_old - 'search';
    v_new_changed := null;
  end if;

  insert into scheduler.audit_trail (user_id, actor, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent)
  values (
    v_uid,
    coalesce(v_uid::text, 'system'),
    pg_catalog.lower(tg_op),
    tg_table_name,
    (coalesce(v_new, v_old) ->> tg_argv[0])::uuid,
    v_old_changed,
    v_new_changed,
    nullif(pg_catalog.split_part(coalesce(v_headers ->> 'x-forwarded-for', ''), ',', 1), '')::inet,
    v_headers ->> 'user-agent'
  );
  return null;
end;
$$;
comment on function scheduler_internal.tg__audit() is 'Records inserts, updates (changed columns only) and deletes in audit_trail.';
revoke execute on function scheduler_internal.tg__audit() from public, anon, authenticated;

-- the engine advances next_run_at and last_run_at on every claim and
-- completion; that bookkeeping is not an audited change, so updates are
-- audited only when a column a person sets is written
create trigger _900_audit after insert or delete on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');
create trigger _901_audit_update after update of
  name, description, type, schedule_cron, schedule_interval, run_at, timezone, is_active, action_type, action_payload,
  priority, tags, metadata, acceptance_criteria, constraints, max_attempts, retry_backoff_seconds, retry_backoff_max_seconds,
  timeout_seconds, overlap_policy, misfire_policy, requires_approval, approval_ttl, project_id, created_by, owner_id, deleted_at
on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');
create trigger _900_audit after insert or update or delete on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__audit('task_id');
create trigger _900_audit after insert or update or delete on scheduler.task_permissions
for each row execute function scheduler_internal.tg__audit('task_id');
create trigger _900_audit after insert or update or delete on scheduler.approvals
for each row execute function scheduler_internal.tg__audit('id');
create trigger _900_audit after insert or update or delete on scheduler.profiles
for each row execute function scheduler_internal.tg__audit('id');
