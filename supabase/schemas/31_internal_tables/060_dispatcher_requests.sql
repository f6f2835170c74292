-- the pg_net requests of the tick's dispatcher wakes, so the daily
-- housekeeping deletes only the scheduler's own net._http_response rows.

create table scheduler_internal.dispatcher_requests (
  request_id bigint primary key,
  created_at timestamptz not null default now()
);

comment on table scheduler_internal.dispatcher_requests is 'pg_net request ids of the dispatcher wakes scheduler_internal.scheduler_tick queued, so the housekeeping deletes only the scheduler''s own net._http_response rows. Pruned with them (http_response_retention).';

comment on column scheduler_internal.dispatcher_requests.request_id is 'What net.http_post returned (net._http_response.id once answered).';

alter table scheduler_internal.dispatcher_requests enable row level security;

revoke all on table scheduler_internal.dispatcher_requests from public, anon, authenticated, service_role;
