-- LOCAL STAND-IN for pg_net, Supabase's async HTTP extension.
--
-- Why: pg_net is a C extension whose background worker sends the requests with
-- libcurl; it is not packaged for Debian and cannot be built here. This file
-- keeps pg_net's SQL interface (schema `net`, the functions' names, parameters,
-- defaults and return values, and the tables `net.http_request_queue` and
-- `net._http_response`) so migrations and functions written against it run
-- unchanged on hosted Supabase. The sending is done by scripts/pg-net/worker.mjs,
-- which, like pg_net's worker, only sees requests after their transaction
-- commits, honours timeout_milliseconds and records status, headers, body,
-- timed_out and error_msg.
--
-- As with the real pg_net, anything queued (headers included) is readable in
-- net.http_request_queue until it is sent: never queue long-lived secrets.

create schema if not exists net;

create type net.http_method as enum ('GET', 'POST', 'DELETE');
create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
create type net.http_response as (status_code integer, headers jsonb, body text);
create type net.http_response_result as (status net.request_status, message text, response net.http_response);

create unlogged table net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index _http_response_created_idx on net._http_response (created);

-- the worker LISTENs here; notifications are delivered at commit, which is
-- what makes requests leave only after the transaction that queued them
create function net._tg_wake_worker() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('pg_net_queue', '');
  return null;
end;
$$;
create trigger wake_worker after insert on net.http_request_queue
for each statement execute function net._tg_wake_worker();

create function net._urlencode_query(params jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.string_agg(
    pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(key, '%', '%25'), '&', '%26'), '=', '%3D') || '=' ||
    pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(value, '%', '%25'), '&', '%26'), '=', '%3D'), ' ', '%20'),
    '&'), '')
  from pg_catalog.jsonb_each_text(params)
$$;

create function net._with_params(url text, params jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when params is null or params = '{}'::jsonb then url
    when pg_catalog.strpos(url, '?') > 0 then url || '&' || net._urlencode_query(params)
    else url || '?' || net._urlencode_query(params)
  end
$$;

create function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile parallel unsafe security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._with_params(url, params), coalesce(headers, '{}'::jsonb), timeout_milliseconds)
  returning id into v_id;
  return v_id;
end;
$$;

create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile parallel unsafe security definer
set search_path = ''
as $$
declare
  v_id bigint;
  v_content_type text;
begin
  select value into v_content_type from pg_catalog.jsonb_each_text(coalesce(headers, '{}'::jsonb))
  where pg_catalog.lower(key) = 'content-type';
  if v_content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif v_content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._with_params(url, params), headers, pg_catalog.convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into v_id;
  return v_id;
end;
$$;

create function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000,
  body jsonb default null
) returns bigint
language plpgsql volatile parallel unsafe security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._with_params(url, params), coalesce(headers, '{}'::jsonb),
          case when body is null then null else pg_catalog.convert_to(body::text, 'UTF8') end, timeout_milliseconds)
  returning id into v_id;
  return v_id;
end;
$$;

create function net._http_collect_response(request_id bigint, async boolean default true)
returns net.http_response_result
language plpgsql volatile parallel unsafe security definer
set search_path = ''
as $$
declare
  v_response net._http_response;
begin
  if not async then
    raise exception 'synchronous collection is not supported: poll with async => true';
  end if;
  select * into v_response from net._http_response where id = request_id;
  if not found then
    return row('PENDING', 'request is pending processing', null)::net.http_response_result;
  end if;
  if v_response.error_msg is not null then
    return row('ERROR', v_response.error_msg, null)::net.http_response_result;
  end if;
  return row('SUCCESS', 'ok',
    row(v_response.status_code, v_response.headers, v_response.content)::net.http_response)::net.http_response_result;
end;
$$;

create function net.http_collect_response(request_id bigint, async boolean default true)
returns net.http_response_result
language sql volatile parallel unsafe security definer
set search_path = ''
as $$ select net._http_collect_response(request_id, async) $$;

-- hosted Supabase: the API roles and postgres may call pg_net; postgres may read
-- and manage the queue and the responses
grant usage on schema net to postgres, anon, authenticated, service_role;
revoke execute on all functions in schema net from public;
grant execute on function
  net.http_get(text, jsonb, jsonb, integer),
  net.http_post(text, jsonb, jsonb, jsonb, integer),
  net.http_delete(text, jsonb, jsonb, integer, jsonb),
  net._http_collect_response(bigint, boolean),
  net.http_collect_response(bigint, boolean)
to postgres, anon, authenticated, service_role;
grant select, insert, update, delete on net.http_request_queue, net._http_response to postgres;
grant select on net.http_request_queue, net._http_response to service_role;
grant usage on sequence net.http_request_queue_id_seq to postgres;
