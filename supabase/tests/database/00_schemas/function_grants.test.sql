-- Who may execute what, table-driven: every function in scheduler, every
-- security definer function in scheduler_internal, and the internals only
-- their owner (pg_cron) runs, each with the API roles that hold EXECUTE.
-- A function added without its explicit grant (or revoke) fails the
-- completeness check at the end.
begin;
\ir ../_helpers/setup.psql

create temp table expected_execute (fn regprocedure primary key, roles text[] not null) on commit drop;
insert into expected_execute (fn, roles) values
  -- the API: cron helpers, and what a signed-in user does to their tasks
  ('scheduler.next_cron_time(text, text, timestamptz)',                          '{authenticated,service_role}'),
  ('scheduler.validate_cron_expression(text)',                                   '{authenticated,service_role}'),
  ('scheduler.run_task_now(uuid, timestamptz, jsonb, text)',                     '{authenticated,service_role}'),
  ('scheduler.replay_run(uuid, timestamptz)',                                    '{authenticated,service_role}'),
  ('scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz)', '{authenticated,service_role}'),
  ('scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz)',   '{authenticated,service_role}'),
  ('scheduler.upcoming_runs(uuid, integer, timestamptz)',                        '{authenticated,service_role}'),
  ('scheduler.cancel_run(uuid, timestamptz)',                                    '{authenticated,service_role}'),
  ('scheduler.cancel_task(uuid, timestamptz)',                                   '{authenticated,service_role}'),
  ('scheduler.decide_approval(uuid, boolean, text, timestamptz)',                '{authenticated,service_role}'),
  ('scheduler.my_signing_secret()',                                              '{authenticated}'),
  ('scheduler.my_inbound_secret()',                                              '{authenticated}'),
  -- attached by the project's owner role only (CREATE TRIGGER needs EXECUTE)
  ('scheduler.emit_event()',                                                     '{}'),
  -- the engine: the dispatcher and the action functions, as service_role
  ('scheduler.claim_due_runs(integer, timestamptz, interval, text, interval)',   '{service_role}'),
  ('scheduler.start_runs(uuid[], text, timestamptz)',                            '{service_role}'),
  ('scheduler.renew_leases(uuid[], text, timestamptz)',                          '{service_role}'),
  ('scheduler.complete_runs(jsonb, timestamptz, text)',                          '{service_role}'),
  ('scheduler.release_runs(uuid[], text, timestamptz)',                          '{service_role}'),
  ('scheduler.reap_expired_leases(timestamptz)',                                 '{service_role}'),
  ('scheduler.plan_next_look(text, timestamptz, timestamptz)',                   '{service_role}'),
  ('scheduler.expire_approvals(timestamptz)',                                    '{service_role}'),
  ('scheduler.check_dispatcher_heartbeat(timestamptz)',                          '{service_role}'),
  ('scheduler.cleanup_expired_sessions(timestamptz)',                            '{service_role}'),
  ('scheduler.sql_action_prepare(uuid, text)',                                   '{service_role}'),
  ('scheduler.edge_function_prepare(uuid[], text)',                              '{service_role}'),
  ('scheduler.record_inbound_event(uuid, text, text, jsonb)',                    '{service_role}'),
  ('scheduler.inbound_event_secret(uuid)',                                       '{service_role}'),
  ('scheduler.edge_function_secret(uuid)',                                       '{service_role}'),
  ('scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz)',              '{service_role}'),
  ('scheduler.record_watcher_error(uuid, text, text, timestamptz)',              '{service_role}'),
  -- only the owner: the pg_cron jobs
  ('scheduler.prune_history(timestamptz, integer)',                              '{}'),
  ('scheduler_internal.scheduler_tick(timestamptz)',                             '{}'),
  ('scheduler_internal.wake_if_looker_dead(timestamptz)',                        '{}'),
  ('scheduler_internal.prune_step(jsonb)',                                       '{}'),
  ('scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint)', '{}'),
  ('scheduler_internal.retention(text)',                                         '{}'),
  ('scheduler_internal.log_failure(text, text, text, text)',                     '{}'),
  ('scheduler_internal.scheduler_cron_job_names()',                              '{}'),
  ('scheduler_internal.invoke_dispatcher(text)',                                 '{}'),
  ('scheduler_internal.wake_dispatcher(text)',                                   '{}'),
  -- the predicates the policies for authenticated call
  ('scheduler_internal.is_admin()',                                              '{authenticated,service_role}'),
  ('scheduler_internal.can_author()',                                            '{authenticated,service_role}'),
  ('scheduler_internal.can_view_task(uuid)',                                     '{authenticated,service_role}'),
  ('scheduler_internal.can_edit_task(uuid)',                                     '{authenticated,service_role}'),
  ('scheduler_internal.owns_task(uuid)',                                         '{authenticated,service_role}'),
  ('scheduler_internal.owns_project(uuid)',                                      '{authenticated,service_role}'),
  -- settings the triggers of a signed-in user's writes read
  ('scheduler_internal.dispatch_lookahead()',                                    '{authenticated,service_role}'),
  ('scheduler_internal.max_run_seconds()',                                       '{authenticated,service_role}'),
  ('scheduler_internal.setting(text)',                                           '{service_role}'),
  ('scheduler_internal.heartbeat_lease()',                                       '{service_role}'),
  ('scheduler_internal.sql_action_schemas()',                                    '{authenticated,service_role}'),
  ('scheduler_internal.edge_function_error(text, uuid, uuid)',                   '{authenticated,service_role}'),
  ('scheduler_internal.request_dispatch(timestamptz, text)',                     '{service_role}'),
  -- security definer trigger functions: a trigger needs no EXECUTE
  ('scheduler_internal.tg__audit()',                                             '{}'),
  ('scheduler_internal.tg_auth_users__create_profile()',                         '{}'),
  ('scheduler_internal.tg_auth_users__sync_profile_email()',                     '{}'),
  ('scheduler_internal.tg_events__start_subscribed_tasks()',                     '{}'),
  ('scheduler_internal.tg_events__collapse_duplicates()',                        '{}'),
  ('scheduler_internal.tg_sessions__remove_expired_of_user()',                   '{}'),
  ('scheduler_internal.tg_task_dependencies__refuse_cycles()',                   '{}'),
  ('scheduler.mcp_server_connections(uuid, text[])',                             '{service_role}'),
  ('scheduler.record_mcp_health(jsonb, timestamptz)',                            '{service_role}'),
  ('scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz)', '{service_role}'),
  ('scheduler.run_resume_state(uuid)',                                           '{service_role}'),
  -- MCP server headers go to Vault, which signed-in users may not touch
  ('scheduler_internal.tg_mcp_servers__store_headers()',                         '{}'),
  ('scheduler_internal.tg_mcp_servers__forget_headers()',                        '{}'),
  ('scheduler_internal.tg_task_runs__request_approvals()',                       '{}'),
  ('scheduler_internal.tg_task_runs__wake_dispatcher()',                         '{}'),
  ('scheduler_internal.tg_tasks__ensure_signing_secret()',                       '{}'),
  ('scheduler_internal.tg_tasks__wake_dispatcher_on_insert()',                   '{}'),
  ('scheduler_internal.tg_tasks__sync_due()',                                    '{}'),
  ('scheduler_internal.tg_tasks__wake_dispatcher_on_update()',                   '{}'),
  ('scheduler_internal.tg_tasks__check_something_to_ask()',                      '{}'),
  ('scheduler_internal.tg_tasks__sync_watcher()',                                '{}');

select plan((select count(*)::integer from expected_execute) + 2);

select is(
  array(select r from unnest(array['anon', 'authenticated', 'service_role']) r where has_function_privilege(r, e.fn, 'execute')),
  e.roles,
  format('%s is executable by %s', e.fn, case when e.roles = '{}' then 'its owner only' else array_to_string(e.roles, ' and ') end))
from expected_execute e
order by e.fn::text;

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where (p.pronamespace = 'scheduler'::regnamespace
         or (p.pronamespace = 'scheduler_internal'::regnamespace and p.prosecdef))
    and p.oid not in (select fn from expected_execute)
$$, 'the list names every function in scheduler and every security definer function in scheduler_internal');

-- PUBLIC (and so every role, anon included) gets EXECUTE on a new function;
-- default privileges cannot revoke that per schema, so each file must
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('scheduler'::regnamespace, 'scheduler_internal'::regnamespace)
    and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))
$$, 'no function of the scheduler is executable by PUBLIC: each revokes it and grants whom it means');

select * from finish();
rollback;
