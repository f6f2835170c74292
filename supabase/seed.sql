-- Local demo data (npm start / npm run reset). Not for hosted projects: it
-- points at the local stack's echo endpoint.
--
--   demo@example.com owns:
--   * "Ping the echo endpoint": an http task every minute, signed, against
--     the local stack's echo endpoint (<API URL>/_local/echo; npm start sets
--     scheduler.demo_api_url to its stack's API URL, the default is the dev
--     stack's http://127.0.0.1:54321);
--   * "Flaky endpoint": an http task every five minutes that gets a 500 and
--     retries (2 attempts), so failures show up too;
--   * "Failure alert": a notify task that runs when "Flaky endpoint" fails
--     (a failure-edge dependency) and writes a web notification;
--   * "Say hello": a manual notify task, for `select scheduler.run_task_now(...)`.

insert into auth.users (id, email, raw_user_meta_data, role, aud, email_confirmed_at)
values ('00000000-0000-4000-a000-00000000d3e0', 'demo@example.com', '{"name": "Demo"}', 'authenticated', 'authenticated', now())
on conflict (id) do nothing;

insert into scheduler.tasks (id, name, description, action_type, schedule_cron, action_payload, owner_id, created_by, tags)
select t.id, t.name, t.description, 'http', t.cron, replace(t.payload, '<API URL>', api.url)::jsonb,
  '00000000-0000-4000-a000-00000000d3e0', '00000000-0000-4000-a000-00000000d3e0', '{demo}'
from (select coalesce(nullif(current_setting('scheduler.demo_api_url', true), ''), 'http://127.0.0.1:54321') as url) api
cross join (values
  ('00000000-0000-4000-a000-0000000000a1'::uuid, 'Ping the echo endpoint', 'An http ping every minute against the local echo endpoint.', '* * * * *',
   '{"url": "<API URL>/_local/echo", "method": "POST", "body": {"task": "{{task.name}}", "run": "{{run.id}}", "due": "{{run.scheduled_time}}"}}'),
  ('00000000-0000-4000-a000-0000000000a2'::uuid, 'Flaky endpoint', 'Answers 500 on purpose, to show retries and alerts.', '*/5 * * * *',
   '{"url": "<API URL>/_local/echo?status=500", "method": "POST", "body": "{}"}')
) t(id, name, description, cron, payload)
on conflict (id) do nothing;
update scheduler.tasks set max_attempts = 2, retry_backoff_seconds = 5 where id = '00000000-0000-4000-a000-0000000000a2';

insert into scheduler.tasks (id, name, description, type, action_type, action_payload, owner_id, created_by, tags)
values
  ('00000000-0000-4000-a000-0000000000a3', 'Failure alert', 'Runs when "Flaky endpoint" fails for good.', 'manual', 'notify',
   '{"channel": "web", "title": "{{task.name}}: the flaky endpoint failed", "message": "Prerequisite run {{inputs.prerequisite_run_id}}", "priority": "high", "type": "alert"}',
   '00000000-0000-4000-a000-00000000d3e0', '00000000-0000-4000-a000-00000000d3e0', '{demo}'),
  ('00000000-0000-4000-a000-0000000000a4', 'Say hello', 'Run me with select scheduler.run_task_now(...).', 'manual', 'notify',
   '{"channel": "web", "title": "Hello from {{task.name}}", "message": "Run {{run.id}}, triggered by {{run.triggered_by}}"}',
   '00000000-0000-4000-a000-00000000d3e0', '00000000-0000-4000-a000-00000000d3e0', '{demo}')
on conflict (id) do nothing;

insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type)
values ('00000000-0000-4000-a000-0000000000a3', '00000000-0000-4000-a000-0000000000a2', 'failure')
on conflict do nothing;
