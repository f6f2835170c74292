-- admins see and manage everything (issue 3), sessions and preferences
-- included: an admin can revoke a user's sessions or reset their settings.
-- admins still act in their own name: they do not start sessions or set
-- preferences for someone else. notifications stay with their recipient and
-- the audit trail stays trigger-written, as the issue says.
--
-- one permissive policy per role and command (two would be OR-ed on every
-- row and splinter warns about multiple_permissive_policies), so the user's
-- and the admin's rule share each policy.

drop policy "Sessions are visible to their user" on scheduler.sessions;
drop policy "Sessions can be revoked by their user" on scheduler.sessions;
drop policy "Sessions can be ended by their user" on scheduler.sessions;

create policy "Sessions are visible to their user and to admins" on scheduler.sessions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Sessions can be revoked by their user and by admins" on scheduler.sessions
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Sessions can be ended by their user and by admins" on scheduler.sessions
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

drop policy "Preferences are visible to their user" on scheduler.user_preferences;
drop policy "Preferences can be changed by their user" on scheduler.user_preferences;
drop policy "Preferences can be removed by their user" on scheduler.user_preferences;

create policy "Preferences are visible to their user and to admins" on scheduler.user_preferences
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Preferences can be changed by their user and by admins" on scheduler.user_preferences
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
create policy "Preferences can be removed by their user and by admins" on scheduler.user_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));
