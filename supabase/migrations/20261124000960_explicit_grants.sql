-- Explicit grants for the Data API roles (issue 12). Since 2026-10-30 hosted
-- Supabase no longer grants anon, authenticated and service_role select,
-- insert, update or delete on new tables and views in public (changelog 45329,
-- "Tables not exposed to Data and GraphQL API automatically"): without these
-- grants supabase-js, the security_invoker views and Realtime on
-- notifications answer 42501 permission denied. The tables' own migrations
-- were written when hosted still granted everything and only revoked what
-- they did not want; they are deployed history, so the grants live here, one
-- block per table or view, each naming the migration that holds its policies
-- (a later restructuring folds each block into its table's own file).
--
-- Each block first revokes everything from the three roles and then grants
-- what they need, so every project ends up the same whenever it was pushed:
-- one pushed before 2026-10-30 still holds the old defaults (all privileges,
-- truncate included), one pushed after holds the truncate, references and
-- trigger that hosted leaves; clients need none of those.
--   anon           nothing: no policy is written for anon.
--   authenticated  the commands its policies allow (RLS then picks the rows).
--   service_role   bypasses RLS: the server's role (supabase-js with a secret
--                  key) and the caller of the engine functions, which run as
--                  their caller (claim_due_runs, start_runs, complete_runs,
--                  reap_expired_leases, expire_approvals …: docs/sql-api.md).
--                  select, insert, update and delete wherever service work
--                  writes; less where integrity binds it too: events are
--                  append-only, the audit trail is written by its trigger.
-- No sequence needs a grant: every id is a uuid. Functions are not here:
-- each function's own migration revokes execute from public and grants it
-- to those who may call it. pgTAP: 150-explicit-grants (these grants, one by
-- one), 100-rls-matrix and 130-rls-insert-delete-matrix (the policies,
-- through them).

-- the predicates the policies call (0100_foundation, 0210_profiles,
-- 0240_task_permissions, 0330_artifacts_checkpoints_decisions). They are
-- granted already; stated again so that every grant a policy depends on
-- reads here. Every policy is written for authenticated.
grant usage on schema scheduler_internal to authenticated;
grant execute on function
  scheduler_internal.is_admin(),
  scheduler_internal.can_author(),
  scheduler_internal.can_view_task(uuid),
  scheduler_internal.can_edit_task(uuid),
  scheduler_internal.owns_task(uuid),
  scheduler_internal.owns_project(uuid)
to authenticated;

-- profiles (policies: 0210_profiles): read and edited by their user and by
-- admins (a trigger keeps role, status and email from users); created by the
-- auth.users trigger and removed with the user, never by a client
revoke all on table scheduler.profiles from anon, authenticated, service_role;
grant select, update on table scheduler.profiles to authenticated;
grant select, insert, update, delete on table scheduler.profiles to service_role;

-- projects (0220_projects): authors create their own, owners and admins read,
-- edit and delete
revoke all on table scheduler.projects from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.projects to authenticated, service_role;

-- tasks (0240_task_permissions, 0380_attribution_guards): owners, sharees and
-- admins read; authors create for themselves; owners, editors and admins
-- edit; owners and admins delete
revoke all on table scheduler.tasks from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.tasks to authenticated, service_role;

-- task_permissions (0240_task_permissions, 0380_attribution_guards): the task
-- owner, the grantee and admins read; the task owner and admins share,
-- change and revoke
revoke all on table scheduler.task_permissions from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.task_permissions to authenticated, service_role;

-- task_dependencies (0250_task_dependencies): whoever sees the dependent task
-- reads; its editors who also see the prerequisite add, change and remove
revoke all on table scheduler.task_dependencies from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.task_dependencies to authenticated, service_role;

-- task_runs (0260_task_runs): whoever sees the task reads; its editors queue,
-- change and delete runs. The engine (as service_role) claims, starts,
-- completes, retries and reaps them.
revoke all on table scheduler.task_runs from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.task_runs to authenticated, service_role;

-- task_steps (0270_task_steps): whoever sees the task reads; its editors
-- write
revoke all on table scheduler.task_steps from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.task_steps to authenticated, service_role;

-- approvals (0280_approvals): whoever sees the task reads; its editors
-- request, decide and delete (decide_approval records the decider)
revoke all on table scheduler.approvals from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.approvals to authenticated, service_role;

-- notifications (0290_notifications): the recipient reads (Realtime pushes
-- the rows it may select) and marks read, status and read_at only; the
-- engine and the notify action write them
revoke all on table scheduler.notifications from anon, authenticated, service_role;
grant select on table scheduler.notifications to authenticated;
grant update (status, read_at) on table scheduler.notifications to authenticated;
grant select, insert, update, delete on table scheduler.notifications to service_role;

-- events (0300_events, 0370_links_to_visible_rows): their owner and admins
-- read; the owner records them; append-only for everyone (a trigger refuses
-- update and delete, service work included)
revoke all on table scheduler.events from anon, authenticated, service_role;
grant select, insert on table scheduler.events to authenticated, service_role;

-- task_event_triggers (0300_events): whoever sees the task reads; its
-- editors subscribe, change and unsubscribe it
revoke all on table scheduler.task_event_triggers from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.task_event_triggers to authenticated, service_role;

-- sessions (0310_sessions, 0390_admins_manage_sessions_and_preferences):
-- their user and admins read, revoke and end them; only their user starts one
revoke all on table scheduler.sessions from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.sessions to authenticated, service_role;

-- user_preferences (0320_user_preferences,
-- 0390_admins_manage_sessions_and_preferences): their user and admins read,
-- change and remove; only their user sets one
revoke all on table scheduler.user_preferences from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.user_preferences to authenticated, service_role;

-- artifacts, checkpoints, decisions (0330_artifacts_checkpoints_decisions):
-- artifacts go with their task (whoever sees it reads, its editors write);
-- checkpoints and decisions with their project (the owner and admins read,
-- change and delete; the owner adds)
revoke all on table scheduler.artifacts, scheduler.checkpoints, scheduler.decisions from anon, authenticated, service_role;
grant select, insert, update, delete on table scheduler.artifacts, scheduler.checkpoints, scheduler.decisions to authenticated, service_role;

-- system_logs (0340_system_logs): admins read; service work writes
revoke all on table scheduler.system_logs from anon, authenticated, service_role;
grant select on table scheduler.system_logs to authenticated;
grant select, insert, update, delete on table scheduler.system_logs to service_role;

-- audit_trail (0350_audit_trail): the actor and admins read; only the audit
-- trigger writes (security definer), for nobody else, service_role included
revoke all on table scheduler.audit_trail from anon, authenticated, service_role;
grant select on table scheduler.audit_trail to authenticated, service_role;

-- the views (0360_views): security_invoker, so each shows what the policies
-- of the tables above allow the caller; none is updatable, clients read them
revoke all on table scheduler.task_summary, scheduler.active_tasks, scheduler.recent_events, scheduler.daily_activity from anon, authenticated, service_role;
grant select on table scheduler.task_summary, scheduler.active_tasks, scheduler.recent_events, scheduler.daily_activity to authenticated, service_role;
