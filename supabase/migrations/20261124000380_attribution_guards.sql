-- attribution cannot be forged. the columns that say who did something
-- (tasks.created_by, task_permissions.granted_by, the user_id of artifacts,
-- checkpoints and decisions, approvals.approved_by / rejected_by, a
-- profile's email) name the caller when a user writes them, and only admins
-- or service work change them afterwards. the audit trail and the engine's
-- notifications rely on them.

-- inserts: the policies say "in your own name"
drop policy "Tasks can be created by authors for themselves" on scheduler.tasks;
create policy "Tasks can be created by authors for themselves" on scheduler.tasks
  for insert to authenticated
  with check (
    (owner_id = (select auth.uid()) and created_by = (select auth.uid()) and (select scheduler_internal.can_author()))
    or (select scheduler_internal.is_admin())
  );

drop policy "Task permissions can be granted by the task owner and admins" on scheduler.task_permissions;
create policy "Task permissions can be granted by the task owner and admins" on scheduler.task_permissions
  for insert to authenticated
  with check (
    scheduler_internal.owns_task(task_id)
    and (granted_by = (select auth.uid()) or (select scheduler_internal.is_admin()))
  );

-- updates: a generic guard, tg_argv = the attribution columns of the table
create or replace function scheduler_internal.tg__guard_attribution() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old jsonb := pg_catalog.to_jsonb(old);
  v_new jsonb := pg_catalog.to_jsonb(new);
  v_column text;
begin
  if scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin()) then
    return new;
  end if;
  foreach v_column in array tg_argv loop
    if v_new -> v_column is distinct from v_old -> v_column then
      raise exception 'only an admin may change %.%', tg_table_name, v_column
        using errcode = '42501';
    end if;
  end loop;
  return new;
end;
$$;
comment on function scheduler_internal.tg__guard_attribution() is 'Before update: the columns named in the trigger''s arguments (who created, granted or produced a row) change only by admins or service work.';

create trigger _020_guard_attribution before update of granted_by on scheduler.task_permissions
for each row execute function scheduler_internal.tg__guard_attribution('granted_by');
create trigger _020_guard_attribution before update of user_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__guard_attribution('user_id');
create trigger _020_guard_attribution before update of user_id on scheduler.checkpoints
for each row execute function scheduler_internal.tg__guard_attribution('user_id');
create trigger _020_guard_attribution before update of user_id on scheduler.decisions
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

-- approvals: a decision is recorded in the decider's own name
-- (scheduler.decide_approval does exactly that)
create or replace function scheduler_internal.tg_approvals__guard_deciders() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin()) then
    return new;
  end if;
  if (new.approved_by is not null and new.approved_by is distinct from v_uid
        and (tg_op = 'INSERT' or new.approved_by is distinct from old.approved_by))
     or (new.rejected_by is not null and new.rejected_by is distinct from v_uid
        and (tg_op = 'INSERT' or new.rejected_by is distinct from old.rejected_by)) then
    raise exception 'an approval is decided in the caller''s own name'
      using errcode = '42501',
            hint = 'set approved_by or rejected_by to auth.uid(), or call scheduler.decide_approval';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_approvals__guard_deciders() is 'A user records an approval or rejection only as themselves; admins and service work are exempt.';

create trigger _020_guard_deciders before insert or update of approved_by, rejected_by on scheduler.approvals
for each row execute function scheduler_internal.tg_approvals__guard_deciders();

-- profiles: email mirrors auth.users (the notify action and admins trust it),
-- so it joins role and status as columns only admins and service work change
create or replace function scheduler_internal.tg_profiles__guard_role() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.role is distinct from old.role or new.status is distinct from old.status
      or new.id is distinct from old.id or new.email is distinct from old.email)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a profile''s role, status or email'
      using errcode = '42501',
            hint = 'a user changes their email through Supabase Auth; the profile follows';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_profiles__guard_role() is 'Stops users from raising their own role or status, or from changing the email their profile mirrors from auth.users.';

create or replace function scheduler_internal.tg_auth_users__sync_profile_email() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update scheduler.profiles set email = new.email where id = new.id and email is distinct from new.email;
  return null;
end;
$$;
comment on function scheduler_internal.tg_auth_users__sync_profile_email() is 'Keeps profiles.email equal to auth.users.email when Supabase Auth changes it.';
revoke execute on function scheduler_internal.tg_auth_users__sync_profile_email() from public, anon, authenticated;

create trigger scheduler_on_auth_user_email_changed after update of email on auth.users
for each row execute function scheduler_internal.tg_auth_users__sync_profile_email();
