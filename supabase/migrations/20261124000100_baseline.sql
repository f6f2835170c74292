-- The scheduler's schema as of its first release, generated from
-- supabase/schemas/ by `npm run db:baseline`. Do not edit: change the tree
-- and run `npm run db:diff -- <name>`. Each part below names its file there.

set check_function_bodies = off;

-- supabase/schemas/00_schemas/10_extensions.sql --------------------------------

-- The extensions the scheduler needs. Hosted Supabase lets `postgres` create
-- them; on the local stack they already exist (scripts/sql/bootstrap), so
-- `if not exists` makes this a no-op there.
--   pg_cron   the minute tick (scheduler-tick) and the daily housekeeping
--   pg_net    the tick's call to the dispatcher Edge Function
--   pgcrypto  per-user signing secrets

create extension if not exists pg_cron with schema pg_catalog;

create extension if not exists pg_net with schema extensions;

create extension if not exists pgcrypto with schema extensions;

-- supabase/schemas/00_schemas/20_scheduler.sql ---------------------------------

-- The scheduler lives in a schema of its own, `scheduler` (its API: tables,
-- views, types and the functions clients call), with internals in
-- `scheduler_internal`, so it never takes a name of the app it is installed
-- into: apps have their own public.profiles, public.tasks, public.events and
-- a `private` schema of their own (pg_cron, pg_net, pgmq and pgflow keep to
-- theirs the same way).

create schema if not exists scheduler;

comment on schema scheduler is 'The task scheduler: tasks, runs, approvals, notifications, events and the functions clients call. Expose it to the Data API to use it from supabase-js: supabase.schema(''scheduler'').';

-- usage lets the API roles name the schema; every table, view and function
-- still needs its own grant, beside its policies
grant usage on schema scheduler to anon, authenticated, service_role;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC, and default
-- privileges cannot take that back for one schema (only for the whole
-- database, which is the app's). So each function's file revokes it and
-- grants who may call it (the basejump pattern); 00_schemas/function_grants
-- in the pgTAP suite fails on a function that PUBLIC may still execute.

-- supabase/schemas/00_schemas/30_scheduler_internal.sql ------------------------

-- Internals: trigger functions, policy predicates, engine helpers and the
-- engine's own tables. Not exposed through the Data API.

create schema if not exists scheduler_internal;

comment on schema scheduler_internal is 'Internals of the task scheduler: trigger functions, policy predicates, engine helpers. Not exposed through the API.';

-- policies run as the caller, so authenticated needs usage to reach the
-- predicate helpers; each helper still needs its own execute grant, and
-- scheduler_internal is not in the api's exposed schemas.
revoke all on schema scheduler_internal from public, anon;

grant usage on schema scheduler_internal to authenticated, service_role;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC, and default
-- privileges cannot take that back for one schema (only for the whole
-- database, which is the app's). So each function's file revokes it and
-- grants who may call it (the basejump pattern); 00_schemas/function_grants
-- in the pgTAP suite fails on a function that PUBLIC may still execute.

-- supabase/schemas/10_types/cron_spec.sql --------------------------------------

create type scheduler_internal.cron_spec as (
  seconds integer[],
  minutes integer[],
  hours integer[],
  days integer[],
  months integer[],
  dows integer[],
  dom_star boolean,
  dow_star boolean,
  fixed_time boolean
);

comment on type scheduler_internal.cron_spec is 'A parsed cron expression: allowed values per field, whether day-of-month / day-of-week are unrestricted (*), and whether it is a fixed-time job (single second, minute and hour: DST rules differ).';

-- supabase/schemas/10_types/profile_role.sql -----------------------------------

create type scheduler.profile_role as enum ('admin', 'user', 'viewer');

comment on type scheduler.profile_role is 'admin manages everything; user owns tasks; viewer only reads what is shared with them.';

-- supabase/schemas/10_types/profile_status.sql ---------------------------------

create type scheduler.profile_status as enum ('active', 'inactive', 'suspended');

-- supabase/schemas/10_types/run_status.sql -------------------------------------

create type scheduler.run_status as enum (
  'queued', 'awaiting_approval', 'claimed', 'running', 'completed', 'failed', 'cancelled', 'skipped'
);

comment on type scheduler.run_status is
  'queued (waiting for its time or its turn), awaiting_approval, claimed (handed to its action, nothing sent yet), running (started), completed, failed, cancelled, skipped.';

-- supabase/schemas/10_types/task_priority.sql ----------------------------------

create type scheduler.task_priority as enum ('low', 'medium', 'high', 'critical');

comment on type scheduler.task_priority is 'Claim order: higher priorities are claimed first (enum order low < medium < high < critical).';

-- supabase/schemas/20_utilities/acting_as_system.sql ---------------------------

-- who is acting: a signed-in user, or the system (service_role, postgres,
-- pg_cron jobs). policies and guard triggers use these.
create or replace function scheduler_internal.acting_as_system() returns boolean
language sql stable
set search_path = ''
as $$
  select (select auth.uid()) is null
     and current_user not in ('anon', 'authenticated')
$$;

comment on function scheduler_internal.acting_as_system() is 'True for service work (service_role, postgres, pg_cron): no end-user identity in the request.';

revoke execute on function scheduler_internal.acting_as_system() from public, anon;

grant execute on function scheduler_internal.acting_as_system() to authenticated, service_role;

-- supabase/schemas/20_utilities/claim_idempotency_key.sql ----------------------

-- takes an idempotency key for p_target (a run or an event about to be
-- inserted), or names the run or event that already holds it. One
-- statement decides: the insert collides on the key's primary key with
-- whoever holds it, committed or not (a concurrent request waits for the
-- holder's transaction, then sees its row), and takes over only a key taken
-- at least the idempotency_window setting ago (read now, so a change of the
-- setting applies to the keys already taken). Null: the key is p_target's
-- now, go on; otherwise the id of the run or event the repeat collapses to.
create or replace function scheduler_internal.claim_idempotency_key(
  p_scope text, p_scope_id uuid, p_key text, p_target uuid, p_now timestamptz
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_window interval := coalesce((scheduler_internal.setting('idempotency_window') #>> '{}')::interval, interval '24 hours');
  v_taken uuid;
  v_holder uuid;
begin
  insert into scheduler_internal.idempotency_keys as k (scope, scope_id, key, run_id, event_id, taken_at)
  values (p_scope, p_scope_id, p_key,
          case when p_scope = 'run_task_now' then p_target end,
          case when p_scope = 'events' then p_target end,
          p_now)
  on conflict (scope, scope_id, key) do update
    set run_id = excluded.run_id, event_id = excluded.event_id, taken_at = excluded.taken_at
    where k.taken_at <= p_now - v_window
  returning coalesce(k.run_id, k.event_id) into v_taken;
  if v_taken is not null then
    return null;
  end if;
  -- a new statement: it sees the holder the insert collided with
  select coalesce(k.run_id, k.event_id) into v_holder
  from scheduler_internal.idempotency_keys k
  where k.scope = p_scope and k.scope_id = p_scope_id and k.key = p_key;
  return v_holder;
end;
$$;

comment on function scheduler_internal.claim_idempotency_key(text, uuid, text, uuid, timestamptz) is 'Takes an idempotency key (scope run_task_now: per task; events: per owner) for the run or event p_target and returns null; or returns the run or event that took it less than the idempotency_window setting before p_now. Concurrent requests with one key: one takes it, the others get its holder.';

-- only the scheduler's own security definer functions call it, as its owner
revoke execute on function scheduler_internal.claim_idempotency_key(text, uuid, text, uuid, timestamptz) from public, anon, authenticated, service_role;

-- supabase/schemas/20_utilities/clock_now.sql ----------------------------------

-- triggers cannot take p_now, so they read this clock; tests pin it with
-- `set local scheduler.now = '...'`
create or replace function scheduler_internal.clock_now() returns timestamptz
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('scheduler.now', true), '')::timestamptz, now())
$$;

comment on function scheduler_internal.clock_now() is 'now(), unless the transaction pins scheduler.now (tests).';

revoke execute on function scheduler_internal.clock_now() from public, anon;

grant execute on function scheduler_internal.clock_now() to authenticated, service_role;

-- supabase/schemas/20_utilities/log_failure.sql --------------------------------

create or replace function scheduler_internal.log_failure(p_module text, p_step text, p_sqlstate text, p_message text) returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  raise warning '%: % failed: % (SQLSTATE %)', p_module, p_step, p_message, p_sqlstate;
  begin
    insert into scheduler.system_logs (level, module, message, metadata)
    values ('error', p_module, p_step || ' failed: ' || p_message, jsonb_build_object('step', p_step, 'sqlstate', p_sqlstate));
  exception when others then
    raise warning '%: could not record that failure in system_logs: %', p_module, sqlerrm;
  end;
  return jsonb_build_object('error', p_message, 'sqlstate', p_sqlstate);
end;
$$;

comment on function scheduler_internal.log_failure(text, text, text, text) is 'Reports a failed step of scheduler_tick or prune-history: raises a warning, writes an error row to system_logs (module, metadata.step, metadata.sqlstate) and returns {error, sqlstate}.';

revoke execute on function scheduler_internal.log_failure(text, text, text, text) from public, anon, authenticated, service_role;

-- supabase/schemas/20_utilities/retention.sql ----------------------------------

create or replace function scheduler_internal.retention(p_key text) returns interval
language plpgsql stable
set search_path = ''
as $$
declare
  v_value jsonb := scheduler_internal.setting(p_key);
  v_retention interval;
begin
  -- a missing row or a json null keeps the rows forever
  if v_value is null or jsonb_typeof(v_value) = 'null' then
    return null;
  end if;
  begin
    v_retention := (v_value #>> '{}')::interval;
  exception when others then
    raise exception 'setting % = % is not an interval; write it like ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end;
  -- '7' reads as 7 seconds: refuse what is surely a missing unit
  if v_retention < interval '1 hour' then
    raise exception 'setting % = % is shorter than an hour; write the unit, e.g. ''"7 days"''', p_key, v_value
      using errcode = '22023';
  end if;
  return v_retention;
end;
$$;

comment on function scheduler_internal.retention(text) is 'A retention setting as an interval: null when the setting is missing or null (keep forever); raises 22023 when it is not an interval or is shorter than an hour.';

revoke execute on function scheduler_internal.retention(text) from public, anon, authenticated, service_role;

-- supabase/schemas/20_utilities/setting.sql ------------------------------------

create or replace function scheduler_internal.setting(p_key text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select value from scheduler_internal.settings where key = p_key
$$;

comment on function scheduler_internal.setting(text) is 'Reads an engine setting.';

revoke execute on function scheduler_internal.setting(text) from public, anon, authenticated;

grant execute on function scheduler_internal.setting(text) to service_role;

-- supabase/schemas/20_utilities/uuid_v7.sql ------------------------------------

create function scheduler_internal.uuid_v7(p_at timestamptz default clock_timestamp()) returns uuid
language sql volatile parallel safe
set search_path = ''
as $$
  -- a random uuid with its first 6 bytes replaced by the milliseconds, and
  -- the version nibble turned from 4 (0100) into 7 (0111)
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        placing substring(int8send(floor(extract(epoch from p_at) * 1000)::bigint) from 3)
        from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

comment on function scheduler_internal.uuid_v7(timestamptz) is 'A time-ordered UUID (version 7, RFC 9562) for p_at (default: the current clock time); the id default of the history tables.';

revoke execute on function scheduler_internal.uuid_v7(timestamptz) from public, anon;

grant execute on function scheduler_internal.uuid_v7(timestamptz) to authenticated, service_role;

-- supabase/schemas/20_utilities/uuid_v7_seq.sql --------------------------------

-- the ids of rows one statement writes in a given order (a watcher's events,
-- the runs they start): uuid_v7 draws its bits after the milliseconds at
-- random, so ids of one millisecond sort at random. This one keeps a 26-bit
-- counter there instead (RFC 9562, 6.2 method 1: the 12 bits of rand_a, then
-- the 14 bits after the variant), so ids made for one p_at sort by p_seq;
-- the last six bytes stay random, so two statements never collide.
create function scheduler_internal.uuid_v7_seq(p_at timestamptz, p_seq bigint) returns uuid
language plpgsql volatile parallel safe
set search_path = ''
as $$
declare
  v_bytes bytea;
begin
  if p_seq is null or p_seq < 0 or p_seq >= 67108864 then
    raise exception 'uuid_v7_seq: p_seq must be between 0 and 67108863, got %', p_seq using errcode = '22023';
  end if;
  v_bytes := uuid_send(scheduler_internal.uuid_v7(p_at));
  -- version 7 and the counter's top 12 bits; the variant (10) and its next 14
  v_bytes := set_byte(v_bytes, 6, (112 | ((p_seq >> 22) & 15))::integer);
  v_bytes := set_byte(v_bytes, 7, ((p_seq >> 14) & 255)::integer);
  v_bytes := set_byte(v_bytes, 8, (128 | ((p_seq >> 8) & 63))::integer);
  v_bytes := set_byte(v_bytes, 9, (p_seq & 255)::integer);
  return encode(v_bytes, 'hex')::uuid;
end;
$$;

comment on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) is 'A UUID version 7 for p_at whose bits after the milliseconds are the counter p_seq (0 to 2^26 - 1), so the ids one statement makes for one p_at sort in p_seq order.';

revoke execute on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) from public, anon;

grant execute on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) to authenticated, service_role;

-- supabase/schemas/21_cron/cron_fail.sql ---------------------------------------

create or replace function scheduler_internal.cron_fail(p_expression text, p_field text, p_message text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  -- a message quotes at most the start of a long expression
  raise exception 'invalid cron expression "%": % field: %',
    case when length(p_expression) > 80 then left(p_expression, 77) || '...' else p_expression end, p_field, p_message
    using errcode = '22023';
end;
$$;

revoke execute on function scheduler_internal.cron_fail(text, text, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_fail(text,text,text) to authenticated, service_role;

-- supabase/schemas/21_cron/cron_next_local.sql ---------------------------------

-- the first wall-clock time after p_after that matches, or null within 50 years
create or replace function scheduler_internal.cron_next_local(p_spec scheduler_internal.cron_spec, p_after timestamp) returns timestamp
language plpgsql stable
set search_path = ''
as $$
declare
  v_t timestamp := date_trunc('second', p_after) + interval '1 second';
  v_limit timestamp := p_after + interval '50 years';
  v_next integer;
  v_day_ok boolean;
  v_dom_ok boolean;
  v_dow_ok boolean;
begin
  while v_t < v_limit loop
    if not (extract(month from v_t)::integer = any (p_spec.months)) then
      select min(m) into v_next from unnest(p_spec.months) m where m > extract(month from v_t);
      v_t := case when v_next is null
        then make_timestamp(extract(year from v_t)::integer + 1, p_spec.months[1], 1, 0, 0, 0)
        else make_timestamp(extract(year from v_t)::integer, v_next, 1, 0, 0, 0) end;
      continue;
    end if;
    v_dom_ok := extract(day from v_t)::integer = any (p_spec.days);
    v_dow_ok := extract(dow from v_t)::integer = any (p_spec.dows);
    v_day_ok := case
      when p_spec.dom_star and p_spec.dow_star then true
      when p_spec.dom_star then v_dow_ok
      when p_spec.dow_star then v_dom_ok
      else v_dom_ok or v_dow_ok
    end;
    if not v_day_ok then
      v_t := date_trunc('day', v_t) + interval '1 day';
      continue;
    end if;
    if not (extract(hour from v_t)::integer = any (p_spec.hours)) then
      select min(h) into v_next from unnest(p_spec.hours) h where h > extract(hour from v_t);
      v_t := case when v_next is null then date_trunc('day', v_t) + interval '1 day'
        else date_trunc('day', v_t) + make_interval(hours => v_next) end;
      continue;
    end if;
    if not (extract(minute from v_t)::integer = any (p_spec.minutes)) then
      select min(m) into v_next from unnest(p_spec.minutes) m where m > extract(minute from v_t);
      v_t := case when v_next is null then date_trunc('hour', v_t) + interval '1 hour'
        else date_trunc('hour', v_t) + make_interval(mins => v_next) end;
      continue;
    end if;
    if not (floor(extract(second from v_t))::integer = any (p_spec.seconds)) then
      select min(s) into v_next from unnest(p_spec.seconds) s where s > floor(extract(second from v_t));
      v_t := case when v_next is null then date_trunc('minute', v_t) + interval '1 minute'
        else date_trunc('minute', v_t) + make_interval(secs => v_next) end;
      continue;
    end if;
    return v_t;
  end loop;
  return null;
end;
$$;

revoke execute on function scheduler_internal.cron_next_local(scheduler_internal.cron_spec, timestamp without time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_next_local(scheduler_internal.cron_spec,timestamp without time zone) to authenticated, service_role;

-- supabase/schemas/21_cron/cron_parse.sql --------------------------------------

create or replace function scheduler_internal.cron_parse(p_expression text) returns scheduler_internal.cron_spec
language plpgsql immutable
set search_path = ''
as $$
declare
  v_text text := btrim(coalesce(p_expression, ''));
  v_fields text[];
  v_spec scheduler_internal.cron_spec;
  v_name text;
  v_i integer;
  v_months constant text[] := array['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'];
  v_days constant text[] := array['sun','mon','tue','wed','thu','fri','sat'];
  v_single constant text := '^[0-9]+$';
begin
  if v_text = '' then
    raise exception 'invalid cron expression "%": it is empty', coalesce(p_expression, '')
      using errcode = '22023';
  end if;
  -- the claim evaluates expressions: a bounded one costs microseconds, a
  -- 20,000-character list took seconds per evaluation
  if length(v_text) > 256 then
    raise exception 'invalid cron expression "%...": it is % characters long; the limit is 256', left(v_text, 40), length(v_text)
      using errcode = '22023';
  end if;
  if v_text like '@%' then
    v_text := case lower(v_text)
      when '@yearly' then '0 0 1 1 *'
      when '@annually' then '0 0 1 1 *'
      when '@monthly' then '0 0 1 * *'
      when '@weekly' then '0 0 * * 0'
      when '@daily' then '0 0 * * *'
      when '@midnight' then '0 0 * * *'
      when '@hourly' then '0 * * * *'
    end;
    if v_text is null then
      raise exception 'invalid cron expression "%": unknown macro (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)', p_expression
        using errcode = '22023';
    end if;
  end if;
  v_fields := regexp_split_to_array(v_text, '\s+');
  if array_length(v_fields, 1) = 5 then
    v_fields := array['0'] || v_fields;
  elsif array_length(v_fields, 1) <> 6 then
    raise exception 'invalid cron expression "%": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got %',
      p_expression, array_length(v_fields, 1)
      using errcode = '22023';
  end if;
  for v_i in 1..6 loop
    v_fields[v_i] := replace(v_fields[v_i], '?', '*');
  end loop;
  -- names, as croner reads them: only in fields of three characters or more
  if length(v_fields[5]) >= 3 then
    for v_i in 1..12 loop
      v_fields[5] := regexp_replace(v_fields[5], v_months[v_i], v_i::text, 'gi');
    end loop;
  end if;
  if length(v_fields[6]) >= 3 then
    v_fields[6] := regexp_replace(v_fields[6], '-sun', '-7', 'gi');
    for v_i in 1..7 loop
      v_fields[6] := regexp_replace(v_fields[6], v_days[v_i], (v_i - 1)::text, 'gi');
    end loop;
  end if;

  v_spec.seconds := scheduler_internal.cron_parse_field(p_expression, 'second', v_fields[1], 0, 59);
  v_spec.minutes := scheduler_internal.cron_parse_field(p_expression, 'minute', v_fields[2], 0, 59);
  v_spec.hours := scheduler_internal.cron_parse_field(p_expression, 'hour', v_fields[3], 0, 23);
  v_spec.days := scheduler_internal.cron_parse_field(p_expression, 'day-of-month', v_fields[4], 1, 31);
  v_spec.months := scheduler_internal.cron_parse_field(p_expression, 'month', v_fields[5], 1, 12);
  v_spec.dows := scheduler_internal.cron_parse_field(p_expression, 'day-of-week', v_fields[6], 0, 6);
  v_spec.dom_star := v_fields[4] = '*';
  v_spec.dow_star := v_fields[6] = '*';
  v_spec.fixed_time := v_fields[1] ~ v_single and v_fields[2] ~ v_single and v_fields[3] ~ v_single;
  return v_spec;
end;
$$;

comment on function scheduler_internal.cron_parse(text) is 'Parses a cron expression into a cron_spec, raising 22023 with the field and token at fault.';

revoke execute on function scheduler_internal.cron_parse(text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_parse(text) to authenticated, service_role;

-- supabase/schemas/21_cron/cron_parse_field.sql --------------------------------

create or replace function scheduler_internal.cron_parse_field(
  p_expression text, p_field_name text, p_text text, p_min integer, p_max integer
) returns integer[]
language plpgsql immutable
set search_path = ''
as $$
declare
  v_part text;
  v_base text;
  v_step integer;
  v_lo integer;
  v_hi integer;
  v_values integer[] := '{}';
  v_m text[];
  v_top integer := case when p_field_name = 'day-of-week' then 7 else p_max end;
begin
  if p_text ~ '[^0-9*,/-]' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('unsupported character "%s" in "%s" (L, W and # are not supported)', substring(p_text from '[^0-9*,/-]'), p_text));
  end if;
  -- no field has a value of 100 or more, nor a step of 1000: refused before
  -- any cast, which would overflow on a long number (22003) instead of
  -- saying what is wrong
  if p_text ~ '(^|[,-])0*[1-9][0-9]{2,}' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('value %s out of range %s-%s', left((regexp_match(p_text, '(?:^|[,-])0*([1-9][0-9]{2,})'))[1], 20), p_min, v_top));
  end if;
  if p_text ~ '/0*[1-9][0-9]{3,}' then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('step %s is larger than the field (%s values)', left((regexp_match(p_text, '/0*([1-9][0-9]{3,})'))[1], 20), p_max - p_min + 1));
  end if;
  if array_length(string_to_array(p_text, ','), 1) > 60 then
    perform scheduler_internal.cron_fail(p_expression, p_field_name,
      format('%s list items; the limit is 60', array_length(string_to_array(p_text, ','), 1)));
  end if;
  foreach v_part in array string_to_array(p_text, ',') loop
    if v_part = '' then
      perform scheduler_internal.cron_fail(p_expression, p_field_name, format('empty list item in "%s"', p_text));
    end if;
    v_step := 1;
    v_base := v_part;
    if position('/' in v_part) > 0 then
      v_m := regexp_match(v_part, '^([^/]*)/([^/]*)$');
      if v_m is null or v_m[2] !~ '^[0-9]+$' then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('illegal step "%s"', v_part));
      end if;
      v_base := v_m[1];
      v_step := v_m[2]::integer;
      if v_step = 0 then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('step 0 in "%s"', v_part));
      end if;
      if v_step > p_max - p_min + 1 then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('step %s in "%s" is larger than the field (%s values)', v_step, v_part, p_max - p_min + 1));
      end if;
      if v_base !~ '^(\*|[0-9]+-[0-9]+)$' then
        perform scheduler_internal.cron_fail(p_expression, p_field_name,
          format('step "%s" needs * or a range before the slash (e.g. */%s or 0-30/%s)', v_part, v_step, v_step));
      end if;
    end if;

    if v_base = '*' then
      v_lo := p_min;
      v_hi := p_max;
    elsif v_base ~ '^[0-9]+-[0-9]+$' then
      v_lo := split_part(v_base, '-', 1)::integer;
      v_hi := split_part(v_base, '-', 2)::integer;
      if v_lo > v_hi then
        perform scheduler_internal.cron_fail(p_expression, p_field_name, format('range "%s" runs backwards', v_base));
      end if;
    elsif v_base ~ '^[0-9]+$' then
      v_lo := v_base::integer;
      v_hi := v_lo;
    else
      perform scheduler_internal.cron_fail(p_expression, p_field_name, format('cannot read "%s"', v_part));
    end if;
    if v_lo < p_min or v_hi > v_top then
      perform scheduler_internal.cron_fail(p_expression, p_field_name,
        format('value %s out of range %s-%s', case when v_lo < p_min then v_lo else v_hi end, p_min, v_top));
    end if;
    v_values := v_values || array(select g from generate_series(v_lo, v_hi, v_step) g);
  end loop;
  if p_field_name = 'day-of-week' then
    v_values := array_replace(v_values, 7, 0);
  end if;
  return array(select distinct v from unnest(v_values) v order by v);
end;
$$;

revoke execute on function scheduler_internal.cron_parse_field(text, text, text, integer, integer) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_parse_field(text,text,text,integer,integer) to authenticated, service_role;

-- supabase/schemas/21_cron/cron_walk.sql ---------------------------------------

-- walks matching wall-clock times from p_start (exclusive) and returns the first
-- that runs after p_reference, applying the DST rules croner and vixie cron share:
-- fixed-time jobs run once on a repeated time (its first occurrence) and run at
-- the end of a gap on the same day; interval jobs run on both occurrences of a
-- repeated time and skip times inside a gap
create or replace function scheduler_internal.cron_walk(
  p_spec scheduler_internal.cron_spec, p_tz text, p_start timestamp, p_reference timestamptz
) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_local timestamp := p_start;
  v_r record;
  v_at timestamptz;
  v_i integer := 0;
begin
  loop
    v_local := scheduler_internal.cron_next_local(p_spec, v_local);
    if v_local is null or v_i > 10000 then
      return null;
    end if;
    v_i := v_i + 1;
    select * into v_r from scheduler_internal.tz_resolve(v_local, p_tz);
    if v_r.kind = 'single' then
      if v_r.earlier > p_reference then return v_r.earlier; end if;
    elsif v_r.kind = 'ambiguous' then
      if v_r.earlier > p_reference then return v_r.earlier; end if;
      if not p_spec.fixed_time and v_r.later > p_reference then return v_r.later; end if;
    elsif p_spec.fixed_time then
      v_at := scheduler_internal.tz_transition(v_r.earlier, v_r.later, p_tz);
      if (v_at at time zone p_tz)::date = v_local::date and v_at > p_reference then
        return v_at;
      end if;
    end if;
  end loop;
end;
$$;

revoke execute on function scheduler_internal.cron_walk(scheduler_internal.cron_spec, text, timestamp without time zone, timestamp with time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.cron_walk(scheduler_internal.cron_spec,text,timestamp without time zone,timestamp with time zone) to authenticated, service_role;

-- supabase/schemas/21_cron/next_cron_time.sql ----------------------------------

create or replace function scheduler.next_cron_time(expression text, tz text, after timestamptz) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_spec scheduler_internal.cron_spec;
  v_result timestamptz;
  v_local timestamp;
  v_r record;
  v_transition timestamptz;
  v_second_pass timestamptz;
begin
  if expression is null or tz is null or after is null then
    return null;
  end if;
  v_spec := scheduler_internal.cron_parse(expression);
  perform scheduler_internal.assert_valid_timezone(tz);
  v_local := date_trunc('second', after at time zone tz);
  v_result := scheduler_internal.cron_walk(v_spec, tz, v_local, after);

  -- an interval job whose reference lies on the first pass of a repeated
  -- (fall-back) range still has the second pass ahead of it
  if not v_spec.fixed_time then
    select * into v_r from scheduler_internal.tz_resolve(v_local, tz);
    if v_r.kind = 'ambiguous' and date_trunc('second', after) < v_r.later then
      v_transition := scheduler_internal.tz_transition(date_trunc('second', after), date_trunc('second', after) + interval '1 day', tz);
      if v_result is null or v_result >= v_transition then
        v_second_pass := scheduler_internal.cron_walk(v_spec, tz, (v_transition at time zone tz) - interval '1 second', v_transition - interval '1 microsecond');
        if v_second_pass is not null and (v_result is null or v_second_pass < v_result) then
          v_result := v_second_pass;
        end if;
      end if;
    end if;
  end if;
  return v_result;
end;
$$;

comment on function scheduler.next_cron_time(text, text, timestamptz) is 'The first instant strictly after `after` matching the cron expression in IANA timezone tz (5 or 6 fields, names, ranges, steps, lists, macros; DOM/DOW combine with OR). Agrees with croner; see docs/cron.md.';

revoke execute on function scheduler.next_cron_time(text, text, timestamptz) from public, anon;

grant execute on function scheduler.next_cron_time(text, text, timestamptz) to authenticated, service_role;

-- supabase/schemas/21_cron/next_due_time.sql -----------------------------------

-- the next due time strictly after p_after, by the task's schedule
create or replace function scheduler_internal.next_due_time(
  p_schedule_cron text, p_schedule_interval interval, p_run_at timestamptz, p_timezone text, p_after timestamptz
) returns timestamptz
language sql stable
set search_path = ''
as $$
  select case
    when p_schedule_cron is not null then scheduler.next_cron_time(p_schedule_cron, p_timezone, p_after)
    when p_schedule_interval is not null then p_after + p_schedule_interval
    when p_run_at is not null and p_run_at > p_after then p_run_at
  end
$$;

comment on function scheduler_internal.next_due_time(text, interval, timestamptz, text, timestamptz) is 'Next due instant strictly after p_after for a cron, interval or one-off schedule (null when none is left).';

revoke execute on function scheduler_internal.next_due_time(text, interval, timestamp with time zone, text, timestamp with time zone) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.next_due_time(text,interval,timestamp with time zone,text,timestamp with time zone) to authenticated, service_role;

-- supabase/schemas/21_cron/schedule_slots.sql ----------------------------------

-- the due times of a schedule from p_from to p_to, both included, in order,
-- at most p_max of them (backfill asks for one more than its limit, to
-- refuse a range that holds more). A cron expression in its timezone; an
-- interval on the grid its task keeps (p_anchor, the next due time: the
-- engine steps by the interval from there); a one-off's single instant.
-- Bounded by p_max whatever the range: the walk never looks further.
create or replace function scheduler_internal.schedule_slots(
  p_schedule_cron text, p_schedule_interval interval, p_run_at timestamptz, p_timezone text,
  p_anchor timestamptz, p_from timestamptz, p_to timestamptz, p_max integer
) returns setof timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_at timestamptz;
  v_anchor timestamptz := coalesce(p_anchor, p_from);
  v_k bigint;
  v_n integer := 0;
begin
  if p_from is null or p_to is null or p_from > p_to or coalesce(p_max, 0) < 1 then
    return;
  end if;
  if p_schedule_cron is not null then
    -- next_cron_time is strictly after its argument: a slot at p_from counts
    v_at := scheduler.next_cron_time(p_schedule_cron, p_timezone, p_from - interval '1 microsecond');
    while v_at is not null and v_at <= p_to and v_n < p_max loop
      return next v_at;
      v_n := v_n + 1;
      v_at := scheduler.next_cron_time(p_schedule_cron, p_timezone, v_at);
    end loop;
  elsif p_schedule_interval is not null then
    -- the first k with anchor + k * interval at or after p_from, estimated
    -- from the seconds, then corrected (a month or a day is not a fixed
    -- number of seconds)
    v_k := ceil(extract(epoch from (p_from - v_anchor)) / extract(epoch from p_schedule_interval))::bigint;
    while v_anchor + v_k * p_schedule_interval < p_from loop
      v_k := v_k + 1;
    end loop;
    while v_anchor + (v_k - 1) * p_schedule_interval >= p_from loop
      v_k := v_k - 1;
    end loop;
    v_at := v_anchor + v_k * p_schedule_interval;
    while v_at <= p_to and v_n < p_max loop
      return next v_at;
      v_n := v_n + 1;
      v_k := v_k + 1;
      v_at := v_anchor + v_k * p_schedule_interval;
    end loop;
  elsif p_run_at is not null and p_run_at between p_from and p_to then
    return next p_run_at;
  end if;
end;
$$;

comment on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) is 'The due times of a cron (in p_timezone), interval (on the grid of p_anchor) or one-off schedule from p_from to p_to, both included, in order, at most p_max. Used by backfill and upcoming_runs.';

revoke execute on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) from public, anon;

-- upcoming_runs runs as its caller
grant execute on function scheduler_internal.schedule_slots(text, interval, timestamptz, text, timestamptz, timestamptz, timestamptz, integer) to authenticated, service_role;

-- supabase/schemas/21_cron/tz_offset.sql ---------------------------------------

-- the utc offset of an instant in a timezone
create or replace function scheduler_internal.tz_offset(p_at timestamptz, p_tz text) returns interval
language sql stable
set search_path = ''
as $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

revoke execute on function scheduler_internal.tz_offset(timestamp with time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_offset(timestamp with time zone,text) to authenticated, service_role;

-- supabase/schemas/21_cron/tz_resolve.sql --------------------------------------

-- what a wall-clock time is in a timezone: one instant, two (fall back), or none (spring forward)
create or replace function scheduler_internal.tz_resolve(
  p_local timestamp, p_tz text, out kind text, out earlier timestamptz, out later timestamptz
)
language plpgsql stable
set search_path = ''
as $$
declare
  v_guess timestamptz := p_local at time zone p_tz;
  v_a timestamptz := (p_local - scheduler_internal.tz_offset(v_guess - interval '3 hours', p_tz)) at time zone 'UTC';
  v_b timestamptz := (p_local - scheduler_internal.tz_offset(v_guess + interval '3 hours', p_tz)) at time zone 'UTC';
  v_a_ok boolean := (v_a at time zone p_tz) = p_local;
  v_b_ok boolean := (v_b at time zone p_tz) = p_local;
begin
  if v_a_ok and v_b_ok and v_a <> v_b then
    kind := 'ambiguous';
    earlier := least(v_a, v_b);
    later := greatest(v_a, v_b);
  elsif v_a_ok or v_b_ok or (v_guess at time zone p_tz) = p_local then
    kind := 'single';
    earlier := case when v_a_ok then v_a when v_b_ok then v_b else v_guess end;
    later := earlier;
  else
    kind := 'gap';
    earlier := least(v_a, v_b);
    later := greatest(v_a, v_b);
  end if;
end;
$$;

revoke execute on function scheduler_internal.tz_resolve(timestamp without time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_resolve(timestamp without time zone,text) to authenticated, service_role;

-- supabase/schemas/21_cron/tz_transition.sql -----------------------------------

-- the first instant after p_lo with the offset p_hi has (p_lo and p_hi straddle one transition)
create or replace function scheduler_internal.tz_transition(p_lo timestamptz, p_hi timestamptz, p_tz text) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_lo timestamptz := p_lo;
  v_hi timestamptz := p_hi;
  v_off interval := scheduler_internal.tz_offset(p_lo, p_tz);
  v_mid timestamptz;
begin
  while v_hi - v_lo > interval '1 second' loop
    v_mid := v_lo + make_interval(secs => floor(extract(epoch from (v_hi - v_lo)) / 2));
    if scheduler_internal.tz_offset(v_mid, p_tz) = v_off then
      v_lo := v_mid;
    else
      v_hi := v_mid;
    end if;
  end loop;
  return v_hi;
end;
$$;

revoke execute on function scheduler_internal.tz_transition(timestamp with time zone, timestamp with time zone, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.tz_transition(timestamp with time zone,timestamp with time zone,text) to authenticated, service_role;

-- supabase/schemas/21_cron/validate_cron_expression.sql ------------------------

create or replace function scheduler.validate_cron_expression(expression text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  perform scheduler_internal.cron_parse(expression);
end;
$$;

comment on function scheduler.validate_cron_expression(text) is 'Raises 22023 with a message naming the field and token when the cron expression does not parse; returns nothing when it does.';

revoke execute on function scheduler.validate_cron_expression(text) from public, anon;

grant execute on function scheduler.validate_cron_expression(text) to authenticated, service_role;

-- supabase/schemas/22_validation/action_payload_error.sql ----------------------

create or replace function scheduler_internal.action_payload_error(p_action text, p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_errors text[];
  v_channel text := p_payload ->> 'channel';
begin
  if p_payload is null or jsonb_typeof(p_payload) <> 'object' then
    return 'payload: must be a JSON object';
  end if;
  -- every claim carries the payload to its action: 256 KiB, an http body included
  if octet_length(p_payload::text) > 262144 then
    return scheduler_internal.json_size_error('payload', p_payload, 262144);
  end if;
  if p_action = 'http' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['url', 'method', 'headers', 'body', 'max_redirects', 'max_response_bytes']),
      scheduler_internal.http_url_error(p_payload, 'url', true),
      scheduler_internal.enum_error(p_payload, 'method', array['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], false),
      scheduler_internal.json_type_error(p_payload, 'headers', 'object'),
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(p_payload -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'headers: names must be valid header names and values strings' end,
      case when p_payload ? 'body' and jsonb_typeof(p_payload -> 'body') not in ('string', 'object', 'array')
        then 'body: must be a string, an object or an array' end,
      scheduler_internal.int_range_error(p_payload, 'max_redirects', 0, 10),
      scheduler_internal.int_range_error(p_payload, 'max_response_bytes', 0, 1048576)
    ];
  elsif p_action = 'ai-prompt' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['prompt', 'system', 'model', 'temperature', 'max_tokens', 'step_max_retries',
        'mcp_servers', 'allowed_tools', 'approval_tools', 'max_tool_calls']),
      scheduler_internal.string_length_error(p_payload, 'prompt', 1, 100000, false),
      scheduler_internal.string_length_error(p_payload, 'system', 0, 100000, false),
      scheduler_internal.string_length_error(p_payload, 'model', 1, 200, false),
      case when p_payload ? 'temperature' and (jsonb_typeof(p_payload -> 'temperature') <> 'number'
        or (p_payload ->> 'temperature')::numeric not between 0 and 2) then 'temperature: must be a number between 0 and 2' end,
      scheduler_internal.int_range_error(p_payload, 'max_tokens', 1, 200000),
      scheduler_internal.int_range_error(p_payload, 'step_max_retries', 0, 5),
      scheduler_internal.mcp_tools_payload_error(p_payload)
    ];
  elsif p_action = 'notify' then
    if v_channel is null or jsonb_typeof(p_payload -> 'channel') <> 'string' or v_channel not in ('web', 'email', 'webhook') then
      return 'channel: must be one of web, email, webhook';
    end if;
    v_errors := case v_channel
      when 'web' then array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'title', 'message', 'user_id', 'priority', 'type']),
        scheduler_internal.string_length_error(p_payload, 'title', 1, 255, true),
        scheduler_internal.string_length_error(p_payload, 'message', 0, 10000, false),
        case when p_payload ? 'user_id' and (jsonb_typeof(p_payload -> 'user_id') <> 'string'
          or (p_payload ->> 'user_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') then 'user_id: must be a UUID' end,
        scheduler_internal.enum_error(p_payload, 'priority', array['low', 'normal', 'high', 'urgent'], false),
        scheduler_internal.enum_error(p_payload, 'type', array['alert', 'approval', 'status', 'error', 'info'], false)
      ]
      when 'email' then array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'to', 'subject', 'message']),
        case when jsonb_typeof(p_payload -> 'to') is distinct from 'array' or jsonb_array_length(p_payload -> 'to') not between 1 and 50
          or exists (select 1 from jsonb_array_elements(p_payload -> 'to') e
                     where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ '^[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$')
          then 'to: must be a list of 1 to 50 email addresses' end,
        scheduler_internal.string_length_error(p_payload, 'subject', 1, 998, true),
        scheduler_internal.string_length_error(p_payload, 'message', 0, 100000, true)
      ]
      else array[
        scheduler_internal.unknown_keys_error(p_payload, array['channel', 'url', 'format', 'title', 'message']),
        scheduler_internal.http_url_error(p_payload, 'url', true),
        scheduler_internal.enum_error(p_payload, 'format', array['slack', 'discord', 'json'], false),
        scheduler_internal.string_length_error(p_payload, 'title', 0, 255, false),
        scheduler_internal.string_length_error(p_payload, 'message', 1, 10000, true)
      ]
    end;
  elsif p_action = 'sql' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['function', 'args', 'run_as', 'max_output_bytes']),
      case when not p_payload ? 'function' then 'function: is required'
        when jsonb_typeof(p_payload -> 'function') <> 'string'
          or (p_payload ->> 'function') !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$'
        then 'function: must be a schema-qualified function name, like public.close_day' end,
      scheduler_internal.json_type_error(p_payload, 'args', 'object'),
      scheduler_internal.enum_error(p_payload, 'run_as', array['owner', 'service_role'], false),
      scheduler_internal.int_range_error(p_payload, 'max_output_bytes', 0, 1048576)
    ];
  elsif p_action = 'edge-function' then
    v_errors := array[
      scheduler_internal.unknown_keys_error(p_payload, array['function', 'body', 'headers', 'max_response_bytes']),
      case when not p_payload ? 'function' then 'function: is required'
        when jsonb_typeof(p_payload -> 'function') <> 'string' or (p_payload ->> 'function') !~ '^[A-Za-z][A-Za-z0-9_-]{0,99}$'
        then 'function: must be an Edge Function name (letters, digits, - and _, starting with a letter)' end,
      scheduler_internal.json_type_error(p_payload, 'headers', 'object'),
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(p_payload -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'headers: names must be valid header names and values strings' end,
      -- the scheduler supplies the call's auth and signature: a key never goes in a payload
      case when jsonb_typeof(p_payload -> 'headers') = 'object' and exists (
        select 1 from jsonb_object_keys(p_payload -> 'headers') k
        where lower(k) in ('authorization', 'apikey', 'webhook-id', 'webhook-timestamp', 'webhook-signature') or lower(k) like 'x-scheduler-%'
      ) then 'headers: authorization, apikey, webhook-* and x-scheduler-* are set by the scheduler' end,
      case when p_payload ? 'body' and jsonb_typeof(p_payload -> 'body') not in ('string', 'object', 'array')
        then 'body: must be a string, an object or an array' end,
      scheduler_internal.int_range_error(p_payload, 'max_response_bytes', 0, 1048576)
    ];
  elsif p_action = 'watch' then
    return scheduler_internal.watch_payload_error(p_payload);
  else
    return 'unknown action_type ' || coalesce(p_action, 'null');
  end if;
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.action_payload_error(text, jsonb) is 'Null when the payload is valid for the action, else a readable message. Mirrors the zod schemas in shared/contract.ts.';

revoke execute on function scheduler_internal.action_payload_error(text, jsonb) from public, anon;

grant execute on function scheduler_internal.action_payload_error(text, jsonb) to authenticated, service_role;

-- supabase/schemas/22_validation/assert_valid_timezone.sql ---------------------

create or replace function scheduler_internal.assert_valid_timezone(p_tz text) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if p_tz is null or p_tz !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
  end if;
  perform now() at time zone p_tz;
exception
  when invalid_parameter_value then
    raise exception 'invalid timezone "%": expected an IANA name such as UTC or Europe/Berlin', p_tz
      using errcode = '22023';
end;
$$;

comment on function scheduler_internal.assert_valid_timezone(text) is 'Raises 22023 with a clear message unless p_tz is a timezone PostgreSQL knows.';

revoke execute on function scheduler_internal.assert_valid_timezone(text) from public, anon;

grant execute on function scheduler_internal.assert_valid_timezone(text) to authenticated, service_role;

-- supabase/schemas/22_validation/edge_function_error.sql -----------------------

-- which Edge Function an edge-function task may call. Never one of the
-- scheduler's own; for a non-admin, only what the edge_function_allowlist
-- setting lists: a call carries the scheduler's signature for the owner, so
-- the functions that act on it are an admin's choice. p_writer is who writes
-- the task (null: service work); the owner is whom every run is for.
create or replace function scheduler_internal.edge_function_error(p_name text, p_owner uuid, p_writer uuid default null)
returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_list jsonb := coalesce(scheduler_internal.setting('edge_function_allowlist'), '[]'::jsonb);
  v_listed boolean;
  v_admin boolean;
begin
  if p_name in ('dispatcher', 'http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'inbound-events') then
    return format('function: %s is one of the scheduler''s own functions, which a task cannot call', p_name);
  end if;
  v_listed := jsonb_typeof(v_list) = 'array' and v_list ? p_name;
  if v_listed then
    return null;
  end if;
  if p_writer is not null then
    select exists (select 1 from scheduler.profiles where id = p_writer and role = 'admin' and status = 'active') into v_admin;
    if not v_admin then
      return format('function: %s is not in the edge_function_allowlist setting (%s); only an admin may name another function',
        p_name, coalesce(nullif((select string_agg(e #>> '{}', ', ') from jsonb_array_elements(v_list) e where jsonb_typeof(v_list) = 'array'), ''), 'it is empty'));
    end if;
  end if;
  select exists (select 1 from scheduler.profiles where id = p_owner and role = 'admin' and status = 'active') into v_admin;
  if not v_admin then
    return format('function: %s is not in the edge_function_allowlist setting, and the task''s owner is not an admin', p_name);
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.edge_function_error(text, uuid, uuid) is
  'Null when an edge-function task of p_owner, written by p_writer (null: service work), may call the function p_name: never the scheduler''s own; for a non-admin writer or owner, only a name in the edge_function_allowlist setting. Else the reason, naming the setting.';

revoke execute on function scheduler_internal.edge_function_error(text, uuid, uuid) from public, anon, authenticated;

grant execute on function scheduler_internal.edge_function_error(text, uuid, uuid) to authenticated, service_role;

-- supabase/schemas/22_validation/enum_error.sql --------------------------------

create or replace function scheduler_internal.enum_error(p_payload jsonb, p_key text, p_allowed text[], p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' or (p_payload ->> p_key) <> all (p_allowed)
      then p_key || ': must be one of ' || array_to_string(p_allowed, ', ')
  end
$$;

revoke execute on function scheduler_internal.enum_error(jsonb, text, text[], boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.enum_error(jsonb,text,text[],boolean) to authenticated, service_role;

-- supabase/schemas/22_validation/http_url_error.sql ----------------------------

create or replace function scheduler_internal.http_url_error(p_payload jsonb, p_key text, p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' then p_key || ': must be a string'
    when length(p_payload ->> p_key) > 2048
      or (p_payload ->> p_key) !~ '^[hH][tT][tT][pP][sS]?://([A-Za-z0-9._~%!$&''()*+,;=-]+@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
      then p_key || ': must be an absolute http(s) URL'
  end
$$;

revoke execute on function scheduler_internal.http_url_error(jsonb, text, boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.http_url_error(jsonb,text,boolean) to authenticated, service_role;

-- supabase/schemas/22_validation/int_range_error.sql ---------------------------

create or replace function scheduler_internal.int_range_error(p_payload jsonb, p_key text, p_min numeric, p_max numeric) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then null
    when jsonb_typeof(p_payload -> p_key) <> 'number' or (p_payload ->> p_key)::numeric <> trunc((p_payload ->> p_key)::numeric)
      then p_key || ': must be an integer'
    when (p_payload ->> p_key)::numeric not between p_min and p_max
      then p_key || ': must be between ' || p_min || ' and ' || p_max
  end
$$;

revoke execute on function scheduler_internal.int_range_error(jsonb, text, numeric, numeric) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.int_range_error(jsonb,text,numeric,numeric) to authenticated, service_role;

-- supabase/schemas/22_validation/json_size_error.sql ---------------------------

-- size limits are measured on the JSON text, in bytes, as the value is
-- stored and sent; compact JSON (what clients send) is never longer, so a
-- client that checks the same limit never sends what this refuses
create or replace function scheduler_internal.json_size_error(p_field text, p_value jsonb, p_max_bytes integer) returns text
language sql immutable
set search_path = ''
as $$
  select case when octet_length(p_value::text) > p_max_bytes
    then p_field || ': is ' || octet_length(p_value::text) || ' bytes of JSON; the limit is ' || p_max_bytes
  end
$$;

comment on function scheduler_internal.json_size_error(text, jsonb, integer) is 'The message for a JSON value over its size limit (bytes of its JSON text), naming the field and the limit; null when it fits.';

revoke execute on function scheduler_internal.json_size_error(text, jsonb, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.json_size_error(text, jsonb, integer) to authenticated, service_role;

-- supabase/schemas/22_validation/json_type_error.sql ---------------------------

create or replace function scheduler_internal.json_type_error(p_payload jsonb, p_key text, p_type text) returns text
language sql immutable
set search_path = ''
as $$
  select case when p_payload ? p_key and jsonb_typeof(p_payload -> p_key) <> p_type
    then p_key || ': must be a ' || p_type end
$$;

revoke execute on function scheduler_internal.json_type_error(jsonb, text, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.json_type_error(jsonb,text,text) to authenticated, service_role;

-- supabase/schemas/22_validation/mcp_tools_payload_error.sql -------------------

-- the MCP part of an ai-prompt payload: which servers (scheduler.mcp_servers
-- names, resolved for the task's owner at run time), which of their tools the
-- model may call (the allow-list), which of those wait for a person first,
-- and how many calls a run may make. Mirrors AiPromptPayload's mcp fields in
-- shared/contract.ts.
create or replace function scheduler_internal.mcp_tools_payload_error(p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_errors text[];
  v_tool_name text := '^[A-Za-z0-9_-]{1,64}$';
begin
  v_errors := array[
    case when p_payload ? 'mcp_servers' and (jsonb_typeof(p_payload -> 'mcp_servers') <> 'array'
      or jsonb_array_length(p_payload -> 'mcp_servers') not between 1 and 10
      or exists (select 1 from jsonb_array_elements(p_payload -> 'mcp_servers') e
                 where jsonb_typeof(e) <> 'string' or length(e #>> '{}') not between 1 and 100))
      then 'mcp_servers: must be a list of 1 to 10 server names (scheduler.mcp_servers.name)' end,
    case when p_payload ? 'allowed_tools' and (jsonb_typeof(p_payload -> 'allowed_tools') <> 'array'
      or jsonb_array_length(p_payload -> 'allowed_tools') not between 1 and 100
      or exists (select 1 from jsonb_array_elements(p_payload -> 'allowed_tools') e
                 where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ v_tool_name))
      then 'allowed_tools: must be a list of 1 to 100 tool names (letters, digits, _ and -, at most 64)' end,
    case when p_payload ? 'approval_tools' and (jsonb_typeof(p_payload -> 'approval_tools') <> 'array'
      or jsonb_array_length(p_payload -> 'approval_tools') > 100
      or exists (select 1 from jsonb_array_elements(p_payload -> 'approval_tools') e
                 where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ v_tool_name))
      then 'approval_tools: must be a list of at most 100 tool names' end,
    scheduler_internal.int_range_error(p_payload, 'max_tool_calls', 1, 50),
    -- servers without an allow-list would hand the model every tool a
    -- server lists; an allow-list without servers names nothing
    case when (p_payload ? 'mcp_servers') <> (p_payload ? 'allowed_tools')
      then 'allowed_tools: mcp_servers and allowed_tools go together (name the servers, and the tools the model may call)' end,
    case when jsonb_typeof(p_payload -> 'approval_tools') = 'array' and exists (
        select 1 from jsonb_array_elements(p_payload -> 'approval_tools') a
        where jsonb_typeof(p_payload -> 'allowed_tools') is distinct from 'array' or not (p_payload -> 'allowed_tools') @> jsonb_build_array(a))
      then 'approval_tools: each must also be in allowed_tools' end
  ];
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.mcp_tools_payload_error(jsonb) is 'Null when an ai-prompt payload''s mcp_servers, allowed_tools, approval_tools and max_tool_calls are valid, else a readable message.';

revoke execute on function scheduler_internal.mcp_tools_payload_error(jsonb) from public, anon;

-- called inside the triggers signed-in users run (action_payload_error)
grant execute on function scheduler_internal.mcp_tools_payload_error(jsonb) to authenticated, service_role;

-- supabase/schemas/22_validation/sql_action_schemas.sql ------------------------

-- the schemas a sql task may name a function in: the sql_action_schemas
-- setting, as PostgREST's exposed schemas bound what rpc() reaches
create or replace function scheduler_internal.sql_action_schemas() returns text[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select array_agg(s #>> '{}') from jsonb_array_elements(scheduler_internal.setting('sql_action_schemas')) s
     where jsonb_typeof(scheduler_internal.setting('sql_action_schemas')) = 'array'),
    array['public'])
$$;

comment on function scheduler_internal.sql_action_schemas() is 'The sql_action_schemas setting: the schemas whose functions a sql task may call (default public).';

revoke execute on function scheduler_internal.sql_action_schemas() from public, anon, authenticated;

grant execute on function scheduler_internal.sql_action_schemas() to authenticated, service_role;

-- supabase/schemas/22_validation/sql_call.sql ----------------------------------

-- The sql action's function, found the way PostgREST's rpc() finds it: by
-- schema, name and the names of the arguments given (an overload whose
-- named input parameters cover the arguments, with a default for each one
-- left out; one unnamed json or jsonb parameter takes them all). Returns the
-- statement that calls it with the arguments as $1 (jsonb, cast to each
-- parameter's type by jsonb_to_record, as PostgREST does) and keeps at most
-- $2 bytes of the result; or, in error, a message naming the field.
--
-- p_role, when given, is the role the call will run as: the write-time check
-- also requires its USAGE on the schema and EXECUTE on the function, and that
-- each argument converts to its parameter's type. At run time (p_role null)
-- the call itself finds out, with the database's own error.
create or replace function scheduler_internal.sql_call(
  p_payload jsonb,
  p_role text default null,
  out function_id oid,
  out signature text,
  out call text,
  out search_path text,
  out error text,
  out error_code text
)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_name text := p_payload ->> 'function';
  v_args jsonb := coalesce(p_payload -> 'args', '{}'::jsonb);
  v_keys text[];
  v_schema text := split_part(v_name, '.', 1);
  v_fn text := split_part(v_name, '.', 2);
  v_schemas text[] := scheduler_internal.sql_action_schemas();
  v_proc record;
  v_params record;
  v_found oid[] := '{}';
  v_whole boolean[] := '{}';
  v_reasons text[] := '{}';
  v_why text;
  v_whole_object boolean;
  v_coldefs text;
  v_callargs text;
  v_from text;
  v_shape text;
  v_key text;
  v_errors text[] := '{}';
  v_who text := case p_role when 'authenticated' then 'the task''s owner (role authenticated)' else p_role end;
begin
  if jsonb_typeof(v_args) <> 'object' then
    error := 'args: must be an object of the function''s named arguments';
    error_code := '22023';
    return;
  end if;
  v_keys := array(select jsonb_object_keys(v_args) order by 1);
  if v_schema in ('pg_catalog', 'information_schema') or v_schema like 'pg\_%' then
    error := format('function: %s is in a system schema, which tasks cannot call', v_name);
    error_code := '42501';
    return;
  end if;
  if not v_schema = any (v_schemas) then
    error := format('function: schema %s is not one a sql task may call (the sql_action_schemas setting lists %s)',
      v_schema, array_to_string(v_schemas, ', '));
    error_code := '42501';
    return;
  end if;

  for v_proc in
    select p.oid, p.prokind, p.proretset, p.prorettype, p.pronargs, p.pronargdefaults, p.provariadic,
      p.oid::regprocedure::text as sig,
      exists (select 1 from pg_catalog.pg_depend d
              where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') as in_extension,
      p.prorettype = 'pg_catalog.record'::regtype and p.proretset
        and not coalesce('o' = any (p.proargmodes::text[]) or 't' = any (p.proargmodes::text[]), false) as untyped_set
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = v_schema and p.proname = v_fn
    order by p.oid
  loop
    -- the input parameters in order: names, types, and whether each has a default
    select
      coalesce(array_agg(coalesce(a.name, '') order by a.k), '{}') as names,
      coalesce(array_agg(a.type order by a.k), '{}') as types,
      coalesce(array_agg(a.k > v_proc.pronargs - v_proc.pronargdefaults order by a.k), '{}') as defaulted,
      count(*) filter (where coalesce(a.name, '') = '') as unnamed,
      bool_or(t.typtype = 'p') as pseudo
    into v_params
    from (
      select x.name, x.type, row_number() over (order by x.n) as k
      from pg_catalog.pg_proc p
      cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes::text[], p.proargnames)
        with ordinality as x(type, mode, name, n)
      where p.oid = v_proc.oid and coalesce(x.mode, 'i') in ('i', 'b', 'v')
    ) a
    join pg_catalog.pg_type t on t.oid = a.type;

    v_whole_object := v_proc.pronargs = 1 and v_params.unnamed = 1
      and v_params.types[1] in ('pg_catalog.json'::regtype, 'pg_catalog.jsonb'::regtype);
    v_why := case
      when v_proc.prokind <> 'f' then 'is a ' || case v_proc.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'window function' end
      when v_proc.prorettype in ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype) then 'is a trigger function'
      when v_proc.in_extension then 'belongs to an extension (call it from a function of your own)'
      when v_proc.untyped_set then 'returns setof record without OUT parameters'
      when coalesce(v_params.pseudo, false) then 'takes a polymorphic or pseudo-type parameter'
      when v_whole_object then null
      when v_params.unnamed > 0 then 'has unnamed parameters (name them to call it with args)'
      when exists (select 1 from unnest(v_keys) k where not k = any (v_params.names)) then
        'takes no argument ' || (select string_agg(k, ', ') from unnest(v_keys) k where not k = any (v_params.names))
      when exists (select 1 from unnest(v_params.names, v_params.defaulted) as q(name, defaulted) where not q.defaulted and not q.name = any (v_keys)) then
        'needs ' || (select string_agg(q.name, ', ') from unnest(v_params.names, v_params.defaulted) as q(name, defaulted)
                     where not q.defaulted and not q.name = any (v_keys))
    end;
    if v_why is null then
      v_found := v_found || v_proc.oid;
      v_whole := v_whole || v_whole_object;
    else
      v_reasons := v_reasons || (v_proc.sig || ' ' || v_why);
    end if;
  end loop;

  if cardinality(v_found) = 0 and cardinality(v_reasons) = 0 then
    error := format('function: %s does not exist', v_name);
    error_code := '42883';
    return;
  end if;
  if cardinality(v_found) = 0 then
    error := format('args: do not match %s: %s', v_name, array_to_string(v_reasons, '; '));
    error_code := '22023';
    return;
  end if;
  if cardinality(v_found) > 1 then
    error := format('args: match more than one overload of %s (%s); name arguments only one of them takes',
      v_name, (select string_agg(f::regprocedure::text, ', ') from unnest(v_found) f));
    error_code := '22023';
    return;
  end if;

  function_id := v_found[1];
  signature := function_id::regprocedure::text;
  search_path := case when v_schema = 'public' then 'public, extensions' else format('%I, public, extensions', v_schema) end;

  if p_role is not null then
    if not pg_catalog.has_schema_privilege(p_role, v_schema, 'USAGE') then
      error := format('function: %s may not use schema %s (grant usage on schema %I to %I)', v_who, v_schema, v_schema, p_role);
      error_code := '42501';
      return;
    end if;
    if not pg_catalog.has_function_privilege(p_role, function_id, 'EXECUTE') then
      error := format('function: %s may not execute %s (grant execute on function %s to %I)', v_who, signature, signature, p_role);
      error_code := '42501';
      return;
    end if;
  end if;

  select p.prorettype, p.proretset, p.provariadic into v_proc from pg_catalog.pg_proc p where p.oid = function_id;
  -- the arguments given, each with its parameter's type
  select
    string_agg(format('%I %s', a.name, pg_catalog.format_type(a.type, null)), ', ' order by a.k),
    string_agg(format('%s%I => a.%I', case when a.variadic then 'variadic ' else '' end, a.name, a.name), ', ' order by a.k)
  into v_coldefs, v_callargs
  from (
    select x.name, x.type, x.n as k, coalesce(x.mode, 'i') = 'v' as variadic
    from pg_catalog.pg_proc p
    cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes::text[], p.proargnames)
      with ordinality as x(type, mode, name, n)
    where p.oid = function_id and coalesce(x.mode, 'i') in ('i', 'b', 'v') and x.name = any (v_keys)
  ) a;

  if v_whole[1] then
    v_from := format('%I.%I($1::text::%s) as r', v_schema, v_fn,
      pg_catalog.format_type((select p.proargtypes[0] from pg_catalog.pg_proc p where p.oid = function_id), null));
  elsif v_coldefs is null then
    -- no arguments: $1 is still named, so the statement takes the same two parameters
    v_from := format('(select $1::text as args) as a cross join lateral %I.%I() as r', v_schema, v_fn);
  else
    v_from := format('pg_catalog.jsonb_to_record($1::text::jsonb) as a(%s) cross join lateral %I.%I(%s) as r', v_coldefs, v_schema, v_fn, v_callargs);
  end if;
  v_shape := case
    when v_proc.prorettype = 'pg_catalog.void'::regtype then 'null::jsonb'
    when v_proc.proretset then 'coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)), ''[]''::jsonb)'
    else 'pg_catalog.to_jsonb(r)'
  end;
  call := format(
    'select case when s.bytes <= $2::integer then s.result end as result, coalesce(s.bytes, 0) as result_bytes, '
    || 'case when s.bytes > $2::integer then pg_catalog.left(s.result::text, $2::integer) end as result_text '
    || 'from (select c.result, pg_catalog.octet_length(c.result::text) as bytes from (select %s as result from %s) c) s',
    v_shape, v_from);

  -- each argument converts to its parameter's type, or the field is named
  if p_role is not null and not v_whole[1] then
    for v_params in
      select x.name, x.type
      from pg_catalog.pg_proc p
      cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes::text[], p.proargnames)
        with ordinality as x(type, mode, name, n)
      where p.oid = function_id and coalesce(x.mode, 'i') in ('i', 'b', 'v') and x.name = any (v_keys)
        -- a template ({{run.scheduled_time}}) is rendered at the run: its type is known only then
        and not (jsonb_typeof(v_args -> x.name) = 'string' and (v_args ->> x.name) like '%{{%}}%')
      order by x.n
    loop
      begin
        execute format('select 1 from pg_catalog.jsonb_to_record($1) as a(%I %s)', v_params.name, pg_catalog.format_type(v_params.type, null))
          using pg_catalog.jsonb_build_object(v_params.name, v_args -> v_params.name);
      exception when others then
        v_errors := v_errors || format('args.%s: %s (the parameter is %s)', v_params.name, sqlerrm, pg_catalog.format_type(v_params.type, null));
      end;
    end loop;
    if cardinality(v_errors) > 0 then
      error := array_to_string(v_errors, '; ');
      error_code := '22023';
    end if;
  end if;
end;
$$;

comment on function scheduler_internal.sql_call(jsonb, text) is
  'The sql action''s function and the statement that calls it (arguments as $1 jsonb, a byte cap as $2), found like rpc() finds it; or an error naming the field. With p_role, also the write-time checks: USAGE, EXECUTE, argument types.';

revoke execute on function scheduler_internal.sql_call(jsonb, text) from public, anon, authenticated;

grant execute on function scheduler_internal.sql_call(jsonb, text) to authenticated, service_role;

-- supabase/schemas/22_validation/string_length_error.sql -----------------------

create or replace function scheduler_internal.string_length_error(p_payload jsonb, p_key text, p_min integer, p_max integer, p_required boolean) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when not p_payload ? p_key then case when p_required then p_key || ': is required' end
    when jsonb_typeof(p_payload -> p_key) <> 'string' then p_key || ': must be a string'
    when length(p_payload ->> p_key) not between p_min and p_max
      then p_key || ': must be ' || p_min || ' to ' || p_max || ' characters'
  end
$$;

revoke execute on function scheduler_internal.string_length_error(jsonb, text, integer, integer, boolean) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.string_length_error(jsonb,text,integer,integer,boolean) to authenticated, service_role;

-- supabase/schemas/22_validation/unknown_keys_error.sql ------------------------

create or replace function scheduler_internal.unknown_keys_error(p_payload jsonb, p_allowed text[]) returns text
language sql immutable
set search_path = ''
as $$
  select 'unknown field' || case when count(*) > 1 then 's ' else ' ' end || string_agg(k, ', ' order by k)
  from jsonb_object_keys(p_payload) k
  where k <> all (p_allowed)
  having count(*) > 0
$$;

revoke execute on function scheduler_internal.unknown_keys_error(jsonb, text[]) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.unknown_keys_error(jsonb,text[]) to authenticated, service_role;

-- supabase/schemas/22_validation/watch_payload_error.sql -----------------------

-- the watch action's payload (WatchPayload in shared/contract.ts): where to
-- poll (source), how items are picked out of the answer and keyed, and the
-- bounds of a poll and of the seen-set. The source is an object with a type:
-- http (a GET through the http action's guard) or sql (a database function,
-- with the sql action's fields and rules: function, args, run_as); the rest
-- of the payload is the same for both. Whether a sql source's function
-- exists, takes these args and is executable by the role it runs as is
-- checked when the task is written (tg_tasks__check_action_target).
create or replace function scheduler_internal.watch_payload_error(p_payload jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  -- RFC 6901 (every ~ escapes / or ~), or a dotted path of non-empty names
  v_pointer constant text := '^(/([^~/]|~[01])*)*$';
  v_path constant text := '^[^./][^.]*(\.[^.]+)*$';
  v_source jsonb := p_payload -> 'source';
  v_mode text := coalesce(p_payload ->> 'mode', 'items');
  v_errors text[];
  v_field text;
begin
  if v_source is null then
    return 'source: is required (an object: {"type": "http", "url": ...})';
  end if;
  if jsonb_typeof(v_source) <> 'object' then
    return 'source: must be an object';
  end if;
  if jsonb_typeof(v_source -> 'type') is distinct from 'string' or v_source ->> 'type' <> all (array['http', 'sql']) then
    return 'source.type: must be one of http, sql';
  end if;
  v_errors := case v_source ->> 'type'
    when 'http' then array[
      'source.' || scheduler_internal.unknown_keys_error(v_source, array['type', 'url', 'headers', 'max_redirects', 'max_response_bytes']),
      'source.' || scheduler_internal.http_url_error(v_source, 'url', true),
      'source.' || scheduler_internal.json_type_error(v_source, 'headers', 'object'),
      case when jsonb_typeof(v_source -> 'headers') = 'object' and exists (
        select 1 from jsonb_each(v_source -> 'headers') h
        where h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' or jsonb_typeof(h.value) <> 'string' or length(h.value #>> '{}') > 8192
      ) then 'source.headers: names must be valid header names and values strings' end,
      'source.' || scheduler_internal.int_range_error(v_source, 'max_redirects', 0, 10)]
    -- the sql action's fields, as action_payload_error checks them there
    else array[
      'source.' || scheduler_internal.unknown_keys_error(v_source, array['type', 'function', 'args', 'run_as', 'max_response_bytes']),
      case when not v_source ? 'function' then 'source.function: is required'
        when jsonb_typeof(v_source -> 'function') <> 'string'
          or (v_source ->> 'function') !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$'
        then 'source.function: must be a schema-qualified function name, like public.new_orders' end,
      'source.' || scheduler_internal.json_type_error(v_source, 'args', 'object'),
      'source.' || scheduler_internal.enum_error(v_source, 'run_as', array['owner', 'service_role'], false)]
  end || array[
    scheduler_internal.unknown_keys_error(p_payload, array['source', 'mode', 'items', 'key', 'cursor', 'max_events_per_poll',
      'seed_first_poll', 'pause_after_errors', 'seen_limit', 'seen_max_age_days']),
    -- http: the answer's bytes; sql: the bytes of the result's JSON
    'source.' || scheduler_internal.int_range_error(v_source, 'max_response_bytes', 1, 1048576),
    scheduler_internal.enum_error(p_payload, 'mode', array['items', 'hash'], false),
    case when jsonb_typeof(p_payload -> 'seed_first_poll') is distinct from 'boolean' and p_payload ? 'seed_first_poll'
      then 'seed_first_poll: must be a boolean' end,
    scheduler_internal.int_range_error(p_payload, 'max_events_per_poll', 1, 1000),
    scheduler_internal.int_range_error(p_payload, 'pause_after_errors', 1, 100),
    scheduler_internal.int_range_error(p_payload, 'seen_limit', 1, 100000),
    scheduler_internal.int_range_error(p_payload, 'seen_max_age_days', 1, 3650)
  ];
  foreach v_field in array array['items', 'key', 'cursor'] loop
    if p_payload ? v_field then
      if jsonb_typeof(p_payload -> v_field) <> 'string' or length(p_payload ->> v_field) > 1024
         or not ((p_payload ->> v_field) = '' or (p_payload ->> v_field) ~ v_pointer or (p_payload ->> v_field) ~ v_path) then
        v_errors := v_errors || (v_field || ': must be a JSON pointer (/data/items) or a dotted path (data.items)');
      elsif v_mode = 'hash' and v_field <> 'items' then
        v_errors := v_errors || (v_field || ': only for mode items (mode hash compares the hash of the whole answer)');
      end if;
    end if;
  end loop;
  return nullif(array_to_string(v_errors, '; '), '');
end;
$$;

comment on function scheduler_internal.watch_payload_error(jsonb) is 'Null when a watch task''s action_payload is valid, else a readable message naming the fields. Mirrors WatchPayload in shared/contract.ts; called by action_payload_error.';

revoke execute on function scheduler_internal.watch_payload_error(jsonb) from public, anon;

-- called inside the triggers signed-in users' writes run
grant execute on function scheduler_internal.watch_payload_error(jsonb) to authenticated, service_role;

-- supabase/schemas/23_access/can_author.sql ------------------------------------

create or replace function scheduler_internal.can_author() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role in ('admin', 'user') and status = 'active'
  )
$$;

comment on function scheduler_internal.can_author() is 'Policy predicate: the caller may create things of their own (active admin or user, not viewer).';

revoke execute on function scheduler_internal.can_author() from public, anon;

grant execute on function scheduler_internal.can_author() to authenticated, service_role;

grant execute on function scheduler_internal.can_author() to authenticated;

-- supabase/schemas/23_access/can_edit_task.sql ---------------------------------

create or replace function scheduler_internal.can_edit_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.tasks t
    where t.id = p_task_id
      and (
        t.owner_id = (select auth.uid())
        or exists (
          select 1 from scheduler.task_permissions p
          join scheduler.profiles pr on pr.id = p.user_id
          where p.task_id = t.id and p.user_id = (select auth.uid()) and p.can_edit
            and pr.role <> 'viewer' and pr.status = 'active'
        )
      )
  ) or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.can_edit_task(uuid) is 'Policy predicate: the caller owns the task, has it shared for editing (and is not a viewer), or is an admin.';

revoke execute on function scheduler_internal.can_edit_task(uuid) from public, anon;

grant execute on function scheduler_internal.can_edit_task(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.can_edit_task(uuid) to authenticated;

-- supabase/schemas/23_access/can_view_task.sql ---------------------------------

create or replace function scheduler_internal.can_view_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.tasks t
    where t.id = p_task_id
      and (
        t.owner_id = (select auth.uid())
        or exists (
          select 1 from scheduler.task_permissions p
          where p.task_id = t.id and p.user_id = (select auth.uid()) and p.can_view
        )
      )
  ) or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.can_view_task(uuid) is 'Policy predicate: the caller owns the task, has it shared for viewing, or is an admin.';

revoke execute on function scheduler_internal.can_view_task(uuid) from public, anon;

grant execute on function scheduler_internal.can_view_task(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.can_view_task(uuid) to authenticated;

-- supabase/schemas/23_access/is_admin.sql --------------------------------------

-- predicate helpers: security definer so policies can read profiles without
-- recursing into profiles' own policies
create or replace function scheduler_internal.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from scheduler.profiles
    where id = (select auth.uid()) and role = 'admin' and status = 'active'
  )
$$;

comment on function scheduler_internal.is_admin() is 'Policy predicate: the caller is an active admin.';

revoke execute on function scheduler_internal.is_admin() from public, anon;

grant execute on function scheduler_internal.is_admin() to authenticated, service_role;

grant execute on function scheduler_internal.is_admin() to authenticated;

-- supabase/schemas/23_access/owns_project.sql ----------------------------------

create or replace function scheduler_internal.owns_project(p_project_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.projects p where p.id = p_project_id and p.user_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.owns_project(uuid) is 'Policy predicate: the caller owns the project or is an admin.';

revoke execute on function scheduler_internal.owns_project(uuid) from public, anon;

grant execute on function scheduler_internal.owns_project(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.owns_project(uuid) to authenticated;

-- supabase/schemas/23_access/owns_task.sql -------------------------------------

create or replace function scheduler_internal.owns_task(p_task_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from scheduler.tasks t where t.id = p_task_id and t.owner_id = (select auth.uid()))
      or (select scheduler_internal.is_admin())
$$;

comment on function scheduler_internal.owns_task(uuid) is 'Policy predicate: the caller owns the task or is an admin (sharing is theirs to manage).';

revoke execute on function scheduler_internal.owns_task(uuid) from public, anon;

grant execute on function scheduler_internal.owns_task(uuid) to authenticated, service_role;

grant execute on function scheduler_internal.owns_task(uuid) to authenticated;

-- supabase/schemas/24_triggers/tg__audit.sql -----------------------------------

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

-- supabase/schemas/24_triggers/tg__check_run_link.sql --------------------------

create or replace function scheduler_internal.tg__check_run_link() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- security invoker on purpose: the writer already passed the task's policy,
  -- and a run of that task is visible to whoever may see the task
  if new.run_id is not null and new.task_id is not null and not exists (
    select 1 from scheduler.task_runs r where r.id = new.run_id and r.task_id = new.task_id
  ) then
    raise exception 'run_id % is not a run of task %', new.run_id, new.task_id
      using errcode = '23514',
            hint = 'point run_id at a run of the same task, or leave it null';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg__check_run_link() is 'Integrity: a row''s run_id names a run of the row''s own task_id.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__check_run_link() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg__guard_attribution.sql -----------------------

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

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__guard_attribution() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg__set_updated_at.sql --------------------------

create or replace function scheduler_internal.tg__set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

comment on function scheduler_internal.tg__set_updated_at() is 'Shared before-update trigger: stamps updated_at on every mutable table.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__set_updated_at() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_approvals__guard_deciders.sql ----------------

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

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_approvals__guard_deciders() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_approvals__validate.sql ----------------------

create or replace function scheduler_internal.tg_approvals__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.approved_by is not null and new.rejected_by is not null then
    raise exception 'an approval cannot be both approved and rejected'
      using errcode = '23514';
  end if;
  return new;
end;
$$;

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_approvals__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_auth_users__create_profile.sql ---------------

create or replace function scheduler_internal.tg_auth_users__create_profile() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into scheduler.profiles (id, email, name)
  values (
    new.id,
    new.email,
    coalesce(new.raw_user_meta_data ->> 'name', new.raw_user_meta_data ->> 'full_name', pg_catalog.split_part(new.email, '@', 1))
  )
  on conflict (id) do nothing;
  return new;
end;
$$;

comment on function scheduler_internal.tg_auth_users__create_profile() is 'Creates the profile of every new auth user.';

revoke execute on function scheduler_internal.tg_auth_users__create_profile() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_auth_users__sync_profile_email.sql -----------

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

-- supabase/schemas/24_triggers/tg_events__append_only.sql ----------------------

-- events are append-only; the retention may delete the ones older than the
-- cutoff it names for the statement (scheduler.prune_events_before), and no
-- others. Only the table owner holds DELETE on events in the first place, and
-- truncate is refused to the owner too.
create or replace function scheduler_internal.tg_events__append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'TRUNCATE' then
    raise exception 'events are append-only: truncate is not allowed (the event_retention setting prunes them)'
      using errcode = '42501';
  end if;
  -- referential actions still apply: deleting a user removes their events,
  -- deleting a task or project clears the link (they run one trigger level down)
  if pg_catalog.pg_trigger_depth() > 1 then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'DELETE'
     and old.created_at < nullif(pg_catalog.current_setting('scheduler.prune_events_before', true), '')::timestamptz then
    return old;
  end if;
  raise exception 'events are append-only: % is not allowed', lower(tg_op)
    using errcode = '42501';
end;
$$;

comment on function scheduler_internal.tg_events__append_only() is 'Keeps the event log immutable for everyone, service work included; only the foreign keys'' cascades and the retention (events older than the cutoff scheduler_internal.prune_batch sets in scheduler.prune_events_before) may delete.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_events__append_only() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_events__collapse_duplicates.sql --------------

-- webhook-driven events arrive twice: an event whose owner already recorded
-- one with the same idempotency_key inside idempotency_window is dropped
-- before it exists, so it starts nothing and the insert reports no row.
-- A definer, because the keys are internal. A signed-in user inserting for
-- someone else is left to the policy, which refuses them: a drop there
-- would tell them which keys another user has used.
create or replace function scheduler_internal.tg_events__collapse_duplicates() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.user_id is null or ((select auth.uid()) is not null and new.user_id is distinct from (select auth.uid())) then
    return new;
  end if;
  if scheduler_internal.claim_idempotency_key('events', new.user_id, new.idempotency_key, new.id,
                                              scheduler_internal.clock_now()) is not null then
    return null;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_events__collapse_duplicates() is 'Drops an event whose owner recorded one with the same idempotency_key inside the idempotency_window setting (it is not recorded and starts nothing); otherwise the event takes the key.';

revoke execute on function scheduler_internal.tg_events__collapse_duplicates() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_events__start_subscribed_tasks.sql -----------

-- an event starts every task of the same owner subscribed to its name. A
-- task with a debounce_window gathers the events of one window into one
-- run, due at the window's end: the first event opens it, later ones fold
-- into its run while it is still queued (or awaiting approval) and not yet
-- due, giving it their inputs (debounce_inputs last) or adding theirs
-- (all). The claim takes such a run at its second, never ahead, so every
-- event of the window reaches it.
create or replace function scheduler_internal.tg_events__start_subscribed_tasks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  -- a run's inputs are at most 64 KiB of JSON (tg_task_runs__validate)
  c_max_bytes constant integer := 65536;
  -- the JSON text around the events of debounce_inputs all: {"events": [...]}
  c_envelope constant integer := octet_length('{"events": []}');
  v_now timestamptz := scheduler_internal.clock_now();
  v_at timestamptz := clock_timestamp();
  v_task record;
  v_event record;
  v_open record;
  v_open_id uuid;
  v_folded integer;
  v_events jsonb[];
  v_bytes integer;
  v_item jsonb;
begin
  -- the payload is what the task is given ({{inputs.<field>}}); the event
  -- itself is named by event_id and triggered_by. The runs' ids follow the
  -- events' (a watcher's events are in the order of its items), so a task
  -- that takes its runs one at a time takes them in that order
  insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id)
  select scheduler_internal.uuid_v7_seq(v_at, row_number() over (order by e.id, s.task_id)),
    s.task_id, v_now, 'queued', 1, 'event:' || e.event_type, e.payload, e.id
  from new_events e
  join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
  join scheduler.tasks t on t.id = s.task_id
  where t.owner_id = e.user_id and t.is_active and t.deleted_at is null and t.debounce_window is null;

  -- debounced tasks, one at a time in id order (two writers of one task's
  -- events wait for each other here, so one window has one run)
  for v_task in
    select distinct t.id, t.owner_id, t.debounce_window, t.debounce_inputs
    from new_events e
    join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
    join scheduler.tasks t on t.id = s.task_id
    where t.owner_id = e.user_id and t.is_active and t.deleted_at is null and t.debounce_window is not null
    order by t.id
  loop
    perform pg_advisory_xact_lock(hashtextextended('scheduler.debounce:' || v_task.id::text, 0));
    -- the window still open: its run not yet due, and not yet taken
    select r.id, r.inputs, r.wait_reason into v_open
    from scheduler.task_runs r
    where r.task_id = v_task.id and r.status in ('queued', 'awaiting_approval')
      and r.triggered_by like 'event:%' and r.scheduled_time > v_now
    order by r.scheduled_time desc, r.id desc
    limit 1
    for update;
    if v_task.debounce_inputs = 'last' then
      -- how many events the open run holds: its note says (debounce_note)
      v_folded := case when v_open.id is null then 0
        else coalesce((substring(v_open.wait_reason from '^debounced: (\d+) event')::integer), 1) end;
      select e.id, e.event_type, e.payload, count(*) over () as n into v_event
      from new_events e
      join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
      where s.task_id = v_task.id and e.user_id = v_task.owner_id
      order by e.created_at desc, e.id desc
      limit 1;
      if v_open.id is null then
        insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id, wait_reason)
        values (v_task.id, v_now + v_task.debounce_window, 'queued', 1, 'event:' || v_event.event_type, v_event.payload, v_event.id,
          scheduler_internal.debounce_note(v_event.n::integer, v_task.debounce_window, 'last'));
      else
        update scheduler.task_runs r
        set inputs = v_event.payload, event_id = v_event.id, triggered_by = 'event:' || v_event.event_type,
            wait_reason = scheduler_internal.debounce_note(v_folded + v_event.n::integer, v_task.debounce_window, 'last')
        where r.id = v_open.id;
      end if;
    else
      -- all: each event added to the open run while its inputs stay within
      -- the limit; the next event past it opens a run of its own
      v_open_id := v_open.id;
      v_events := coalesce(array(select x from jsonb_array_elements(v_open.inputs -> 'events') x), '{}');
      v_bytes := case when jsonb_typeof(v_open.inputs -> 'events') is distinct from 'array' then c_envelope
        else octet_length(v_open.inputs::text) end;
      for v_event in
        select e.id, e.event_type, e.payload
        from new_events e
        join scheduler.task_event_triggers s on s.event_name = e.event_type and e.payload @> s.payload_filter
        where s.task_id = v_task.id and e.user_id = v_task.owner_id
        order by e.created_at, e.id
      loop
        v_item := jsonb_build_object('event_id', v_event.id, 'event_type', v_event.event_type, 'payload', v_event.payload);
        -- an event too large to go with the envelope is named, not copied:
        -- its payload stays in scheduler.events
        if c_envelope + octet_length(v_item::text) > c_max_bytes then
          v_item := jsonb_build_object('event_id', v_event.id, 'event_type', v_event.event_type, 'payload', null,
            'payload_omitted', 'the payload is ' || octet_length(v_event.payload::text)
              || ' bytes, too large to go with the others; read it from scheduler.events by event_id');
        end if;
        if cardinality(v_events) > 0
           and v_bytes + octet_length(v_item::text) + 2 > c_max_bytes then
          perform scheduler_internal.debounce_flush(v_task.id, v_open_id, v_now + v_task.debounce_window, v_task.debounce_window, v_events);
          v_open_id := null;
          v_events := '{}';
          v_bytes := c_envelope;
        end if;
        v_bytes := v_bytes + octet_length(v_item::text) + case when cardinality(v_events) > 0 then 2 else 0 end;
        v_events := v_events || v_item;
      end loop;
      perform scheduler_internal.debounce_flush(v_task.id, v_open_id, v_now + v_task.debounce_window, v_task.debounce_window, v_events);
    end if;
  end loop;
  return null;
end;
$$;

comment on function scheduler_internal.tg_events__start_subscribed_tasks() is 'Queues a run (triggered_by event:<name>) for each subscribed task of the event''s owner, or folds the event into the open debounce window''s run; the dispatcher is woken at once.';

revoke execute on function scheduler_internal.tg_events__start_subscribed_tasks() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_events__validate.sql -------------------------

-- an event's payload becomes the inputs of the runs it starts; its key
-- names it to the idempotency check that follows
create or replace function scheduler_internal.tg_events__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if jsonb_typeof(new.payload) is distinct from 'object' then
    raise exception 'payload: must be a JSON object (the runs it starts read it as {{inputs.<field>}}), got %', coalesce(jsonb_typeof(new.payload), 'null')
      using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('payload', new.payload, 65536) is not null then
    raise exception '%', scheduler_internal.json_size_error('payload', new.payload, 65536) using errcode = '22023';
  end if;
  if new.idempotency_key is not null and length(new.idempotency_key) not between 1 and 255 then
    raise exception 'idempotency_key: must be 1 to 255 characters, got %', length(new.idempotency_key) using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_events__validate() is 'Refuses an event whose payload is not a JSON object of at most 64 KiB, or whose idempotency_key is empty or longer than 255 characters.';

revoke execute on function scheduler_internal.tg_events__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_mcp_servers__forget_headers.sql --------------

-- the Vault secrets of headers a server no longer has (replaced, removed, or
-- the server deleted) are deleted with it: nothing is left to leak.
create or replace function scheduler_internal.tg_mcp_servers__forget_headers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from vault.secrets s
  where s.id in (select (h.value ->> 'secret_id')::uuid from jsonb_each(old.headers) h where jsonb_typeof(h.value) = 'object')
    and (tg_op = 'DELETE' or s.id not in (
      select (h.value ->> 'secret_id')::uuid from jsonb_each(new.headers) h where jsonb_typeof(h.value) = 'object'));
  return null;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__forget_headers() is 'Deletes the Vault secrets of an MCP server''s replaced or removed headers, and all of them with the server.';

revoke execute on function scheduler_internal.tg_mcp_servers__forget_headers() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_mcp_servers__store_headers.sql ---------------

-- header values of an MCP server go to Vault as they are written: the row
-- keeps {"Name": {"secret_id": "<vault id>"}}. Definer, because signed-in
-- users may not touch Vault; the ids it writes are the only ones a row may
-- hold (a row cannot point at a secret it did not write: on update a
-- {"secret_id"} value is accepted only when it is the one the row had).
create or replace function scheduler_internal.tg_mcp_servers__store_headers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_header record;
  v_stored jsonb := '{}'::jsonb;
begin
  if (select count(*) from jsonb_object_keys(new.headers)) > 20 then
    raise exception 'headers: at most 20 headers' using errcode = '22023';
  end if;
  for v_header in select h.key, h.value from jsonb_each(new.headers) h loop
    if v_header.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$' then
      raise exception 'headers: % is not a valid header name', v_header.key using errcode = '22023';
    end if;
    if jsonb_typeof(v_header.value) = 'string' then
      if length(v_header.value #>> '{}') > 8192 then
        raise exception 'headers.%: must be at most 8192 characters', v_header.key using errcode = '22023';
      end if;
      v_stored := v_stored || jsonb_build_object(v_header.key, jsonb_build_object('secret_id',
        vault.create_secret(v_header.value #>> '{}', null, 'scheduler.mcp_servers ' || new.id || ' header ' || v_header.key)));
    elsif tg_op = 'UPDATE' and v_header.value = old.headers -> v_header.key then
      v_stored := v_stored || jsonb_build_object(v_header.key, v_header.value);
    else
      raise exception 'headers.%: write the value as a string (it goes to Vault); {"secret_id": ...} only keeps the value this server already has',
        v_header.key using errcode = '22023';
    end if;
  end loop;
  new.headers := v_stored;
  return new;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__store_headers() is 'Moves MCP server header values to Vault, keeping only their secret ids in the row.';

revoke execute on function scheduler_internal.tg_mcp_servers__store_headers() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_mcp_servers__validate.sql --------------------

-- what a user may write into mcp_servers: a named Streamable HTTP server
-- (stdio servers are processes, which an Edge Function cannot start), shared
-- only by an admin; the health check's columns are the health check's.
create or replace function scheduler_internal.tg_mcp_servers__validate() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_system boolean := scheduler_internal.acting_as_system();
begin
  if new.server_type = 'stdio' or new.command is not null or new.args is not null then
    raise exception 'command: stdio MCP servers cannot run in an Edge Function (it cannot start a process); give the url of a Streamable HTTP server instead'
      using errcode = '22023';
  end if;
  if new.server_type is distinct from 'streamable_http' then
    raise exception 'server_type: must be streamable_http (the only kind an Edge Function can reach), got %', coalesce(new.server_type, 'null')
      using errcode = '22023';
  end if;
  if new.name is null or length(new.name) not between 1 and 100 then
    raise exception 'name: must be 1 to 100 characters' using errcode = '22023';
  end if;
  if scheduler_internal.http_url_error(jsonb_strip_nulls(jsonb_build_object('url', new.url)), 'url', true) is not null then
    raise exception '%', scheduler_internal.http_url_error(jsonb_strip_nulls(jsonb_build_object('url', new.url)), 'url', true) || ' (the server''s Streamable HTTP endpoint)'
      using errcode = '22023';
  end if;
  if new.headers is null or jsonb_typeof(new.headers) <> 'object' then
    raise exception 'headers: must be a JSON object of header names to values' using errcode = '22023';
  end if;
  if new.is_shared and (tg_op = 'INSERT' or not old.is_shared) and not v_system and not (select scheduler_internal.is_admin()) then
    raise exception 'is_shared: only an admin may share an MCP server' using errcode = '42501';
  end if;
  if not v_system then
    if tg_op = 'INSERT' then
      new.status := 'inactive';
      new.last_heartbeat := null;
      new.last_error := null;
      new.capabilities := '[]'::jsonb;
    elsif new.status is distinct from old.status or new.last_heartbeat is distinct from old.last_heartbeat
       or new.last_error is distinct from old.last_error or new.capabilities is distinct from old.capabilities then
      raise exception 'status: status, last_heartbeat, last_error and capabilities are written by the health check, not by hand'
        using errcode = '42501';
    end if;
  end if;
  -- another endpoint is another server: nothing is known of it yet
  if tg_op = 'UPDATE' and new.url is distinct from old.url then
    new.status := 'inactive';
    new.last_heartbeat := null;
    new.last_error := null;
    new.capabilities := '[]'::jsonb;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_mcp_servers__validate() is 'Refuses stdio servers (command, args), a missing or non-http(s) url and sharing by non-admins; keeps the health check''s columns for it.';

revoke execute on function scheduler_internal.tg_mcp_servers__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_owner_limits__validate.sql -------------------

-- clear messages for owner limits; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_owner_limits__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.max_in_flight is not null and new.max_in_flight not between 1 and 1000000 then
    raise exception 'max_in_flight: must be between 1 and 1000000 (null: the owner_max_in_flight setting), got %', new.max_in_flight
      using errcode = '22023';
  end if;
  if new.weight is null or new.weight not between 1 and 100 then
    raise exception 'weight: must be between 1 and 100, got %', coalesce(new.weight::text, 'null')
      using errcode = '22023';
  end if;
  if length(new.note) > 1000 then
    raise exception 'note: is % characters; the limit is 1000', length(new.note) using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_owner_limits__validate() is 'Refuses an owner limit or weight out of range, naming the field (22023).';

revoke execute on function scheduler_internal.tg_owner_limits__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_profiles__guard_role.sql ---------------------

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

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_profiles__guard_role() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_sessions__remove_expired_of_user.sql ---------

create or replace function scheduler_internal.tg_sessions__remove_expired_of_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from scheduler.sessions
  where user_id = new.user_id and expires_at < now() and id <> new.id;
  return new;
end;
$$;

comment on function scheduler_internal.tg_sessions__remove_expired_of_user() is 'A new session sweeps away the same user''s expired ones.';

revoke execute on function scheduler_internal.tg_sessions__remove_expired_of_user() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_settings__validate.sql -----------------------

-- the settings that are limits are refused out of range when written,
-- naming the setting (22023), rather than failing the claim at the next
-- tick: owner_max_in_flight, the claim's per-owner cap on runs in flight
-- (the claim keeps its own check as the backstop for rows written with
-- triggers off)
create or replace function scheduler_internal.tg_settings__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.key = 'owner_max_in_flight' and jsonb_typeof(new.value) <> 'null'
     and (jsonb_typeof(new.value) <> 'number'
          or (new.value #>> '{}')::numeric not between 1 and 1000000
          or (new.value #>> '{}')::numeric <> trunc((new.value #>> '{}')::numeric)) then
    raise exception 'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got %', new.value
      using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_settings__validate() is 'Refuses a limit setting out of range when written, naming it (22023): owner_max_in_flight (a whole number of at least 1, or null).';

revoke execute on function scheduler_internal.tg_settings__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_dependencies__refuse_cycles.sql ---------

create or replace function scheduler_internal.tg_task_dependencies__refuse_cycles() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_path uuid[];
  v_names text;
begin
  if new.task_id = new.depends_on_task_id then
    raise exception 'dependency cycle: task "%" cannot depend on itself',
      (select t.name from scheduler.tasks t where t.id = new.task_id)
      using errcode = '23514';
  end if;
  -- serialise edge changes so two concurrent inserts cannot close a cycle between them
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduler.task_dependencies'));
  with recursive reach (node, path) as (
    select d.depends_on_task_id, array[new.task_id, new.depends_on_task_id, d.depends_on_task_id]
    from scheduler.task_dependencies d
    where d.task_id = new.depends_on_task_id
    union all
    select d.depends_on_task_id, r.path || d.depends_on_task_id
    from reach r
    join scheduler.task_dependencies d on d.task_id = r.node
    where d.depends_on_task_id <> all (r.path[2:])
  )
  select path into v_path from reach where node = new.task_id limit 1;
  if v_path is not null then
    -- tasks by name, as far as the writer may see them (the check itself sees
    -- every edge, so it cannot be fooled by what is hidden)
    select pg_catalog.string_agg(
             case when (select auth.uid()) is null or scheduler_internal.can_view_task(p.id) then '"' || t.name || '"' else 'a task you cannot see' end,
             ' -> ' order by p.ord)
      into v_names
    from unnest(v_path) with ordinality p(id, ord)
    join scheduler.tasks t on t.id = p.id;
    raise exception 'dependency cycle: this would close %', v_names
      using errcode = '23514';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_dependencies__refuse_cycles() is 'Refuses an edge that would close a dependency cycle, naming the path by the tasks the writer can see.';

revoke execute on function scheduler_internal.tg_task_dependencies__refuse_cycles() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_runs__hold_for_approval.sql -------------

-- a queued event or dependency run of such a task is held instead; the WHEN
-- clause keeps this row trigger off the claim's hot path (scheduled runs,
-- retries and manual runs never reach the function)
create or replace function scheduler_internal.tg_task_runs__hold_for_approval() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select t.requires_approval from scheduler.tasks t where t.id = new.task_id) then
    new.status := 'awaiting_approval';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_runs__hold_for_approval() is 'Holds a new event- or dependency-triggered run of a task that requires approval in awaiting_approval.';

revoke execute on function scheduler_internal.tg_task_runs__hold_for_approval() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_runs__request_approvals.sql -------------

create or replace function scheduler_internal.tg_task_runs__request_approvals() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- most statements hold nothing back: answer them without joining anything
  if not exists (select 1 from new_runs where status = 'awaiting_approval' and triggered_by <> 'schedule') then
    return null;
  end if;
  with held as (
    select r.run_id, r.scheduled_time, r.triggered_by, t.id as task_id, t.name, t.owner_id, t.action_type, t.approval_ttl
    from (
      select n.id as run_id, n.task_id, n.scheduled_time, n.triggered_by
      from new_runs n
      where n.status = 'awaiting_approval' and n.triggered_by <> 'schedule'
    ) r
    cross join lateral (
      select t.id, t.name, t.owner_id, t.action_type, t.approval_ttl from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
  ),
  requested as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select h.task_id, h.run_id, h.action_type,
      jsonb_build_object('scheduled_time', h.scheduled_time, 'task_name', h.name, 'triggered_by', h.triggered_by),
      'system', h.scheduled_time + h.approval_ttl
    from held h
    returning id, task_id, run_id
  )
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  select h.owner_id, 'Approval needed: ' || h.name,
    'A run of "' || h.name || '" (' || h.triggered_by || ') is waiting for your approval.', 'approval', 'high', 'web',
    a.task_id, a.run_id, jsonb_build_object('approval_id', a.id)
  from requested a join held h on h.run_id = a.run_id;
  return null;
end;
$$;

comment on function scheduler_internal.tg_task_runs__request_approvals() is 'Creates the approval and the owner''s notification for held event and dependency runs (scheduled runs get theirs from claim_due_runs).';

revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;

revoke execute on function scheduler_internal.tg_task_runs__request_approvals() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_runs__validate.sql ----------------------

-- what a user may insert into task_runs: a manual run of a task they may
-- edit (the policy), with inputs for its templates. The engine's columns
-- (lease, times, output, key, attempt, trigger, replay link) are the
-- engine's, whatever the insert said; inputs must be a JSON object the
-- action can read.
create or replace function scheduler_internal.tg_task_runs__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.inputs is not null and jsonb_typeof(new.inputs) <> 'object' then
    raise exception 'inputs: must be a JSON object (its fields are {{inputs.<field>}}), got %', jsonb_typeof(new.inputs)
      using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('inputs', new.inputs, 65536) is not null then
    raise exception '%', scheduler_internal.json_size_error('inputs', new.inputs, 65536) using errcode = '22023';
  end if;
  -- a user's own insert (through the Data API), not the scheduler's
  -- functions acting for them (events, run_task_now run as their owner)
  if tg_op = 'INSERT' and current_user in ('authenticated', 'anon') then
    new.triggered_by := 'manual';
    new.requested_by := (select auth.uid());
    new.attempt := 1;
    new.event_id := null;
    new.replay_of := null;
    new.idempotency_key := null;
    new.start_time := null;
    new.end_time := null;
    new.output := null;
    new.log := null;
    new.log_summary := null;
    new.wait_reason := null;
    new.error_message := null;
    new.locked_at := null;
    new.locked_by := null;
    new.lease_expires_at := null;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_task_runs__validate() is 'Refuses run inputs that are not a JSON object of at most 64 KiB; a run a user inserts is a manual run of theirs, with the engine''s columns left to the engine.';

revoke execute on function scheduler_internal.tg_task_runs__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_runs__wake_dispatcher.sql ---------------

-- queued runs due soon (manual, events, approvals, retries, dependents)
create or replace function scheduler_internal.tg_task_runs__wake_dispatcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(scheduled_time) into v_due from new_runs where status = 'queued';
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'queued run');
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_task_runs__wake_dispatcher() is 'Asks for a dispatcher when runs are queued (manual, event, retry, dependency); debounced in scheduler_internal.request_dispatch.';

revoke execute on function scheduler_internal.tg_task_runs__wake_dispatcher() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_task_steps__validate.sql ---------------------

create or replace function scheduler_internal.tg_task_steps__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.step_order is null or new.step_order <= 0 then
    raise exception 'step_order must be a positive integer, got %', coalesce(new.step_order::text, 'null')
      using errcode = '23514';
  end if;
  -- the same names as the payload's allowed_tools (shared/contract.ts mcpToolName)
  if new.allowed_tools is not null and (cardinality(new.allowed_tools) > 100
     or exists (select 1 from unnest(new.allowed_tools) t where t is null or t !~ '^[A-Za-z0-9_-]{1,64}$')) then
    raise exception 'allowed_tools: must be at most 100 tool names (letters, digits, _ and -, at most 64)' using errcode = '22023';
  end if;
  return new;
end;
$$;

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_task_steps__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__check_action_target.sql ---------------

-- what a payload names must exist and be the writer's to use, checked when
-- the task is written (the shape was checked by _011_validate_payload):
-- a sql task's function exists in an allowed schema, takes the arguments
-- given, and is executable by the role the task runs as; an edge-function
-- task's function is one its writer and owner may call. A watcher whose
-- source is sql gets the sql task's checks on its source, with the fields
-- named source.function, source.args.
create or replace function scheduler_internal.tg_tasks__check_action_target() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_error text;
  v_code text;
begin
  if tg_op = 'UPDATE' and new.action_type is not distinct from old.action_type
     and new.action_payload is not distinct from old.action_payload and new.owner_id is not distinct from old.owner_id then
    return new;
  end if;
  if new.action_type = 'sql' then
    select c.error, c.error_code into v_error, v_code
    from scheduler_internal.sql_call(new.action_payload,
      case when new.action_payload ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end) c;
  elsif new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql' then
    select regexp_replace(c.error, '(^|; )(function|args)([:.])', '\1source.\2\3', 'g'), c.error_code into v_error, v_code
    from scheduler_internal.sql_call(new.action_payload -> 'source',
      case when new.action_payload -> 'source' ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end) c;
  elsif new.action_type = 'edge-function' then
    v_error := scheduler_internal.edge_function_error(new.action_payload ->> 'function', new.owner_id,
      case when scheduler_internal.acting_as_system() then null else (select auth.uid()) end);
    v_code := '42501';
  end if;
  if v_error is not null then
    raise exception 'invalid action_payload for %: %', new.action_type, v_error
      using errcode = v_code, hint = 'see README, "Actions"';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_action_target() is 'Refuses a sql task (or a watcher with source.type sql) whose function is unknown, not executable by the role it runs as, or given arguments its signature does not take; and an edge-function task naming a function its writer or owner may not call.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__check_action_target() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__check_project.sql ---------------------

create or replace function scheduler_internal.tg_tasks__check_project() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.project_id is not null
     and (tg_op = 'INSERT' or new.project_id is distinct from old.project_id)
     and not scheduler_internal.acting_as_system()
     and not scheduler_internal.owns_project(new.project_id) then
    raise exception 'project_id must be a project you own'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_project() is 'A user files a task only under a project they own (admins and service work: any project). An editor may still edit a shared task in its owner''s project.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__check_project() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__check_something_to_ask.sql ------------

-- an ai-prompt task asks its prompt, or its steps in order. Steps reference
-- their task, so they can only be added after it: the check waits for the
-- end of the transaction, and an inactive task may wait for its steps for
-- as long as it likes (activating it checks again).
create or replace function scheduler_internal.tg_tasks__check_something_to_ask() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_task scheduler.tasks;
begin
  if tg_table_name = 'tasks' then
    v_task_id := new.id;
  else
    v_task_id := old.task_id;
  end if;
  select * into v_task from scheduler.tasks t where t.id = v_task_id;
  if v_task.id is null or v_task.action_type <> 'ai-prompt' or not v_task.is_active or v_task.deleted_at is not null
     or coalesce(v_task.action_payload ->> 'prompt', '') <> ''
     or exists (select 1 from scheduler.task_steps s where s.task_id = v_task_id) then
    return null;
  end if;
  raise exception 'ai-prompt task "%" has nothing to ask: set action_payload.prompt, or add its task_steps in the same transaction (or create it with is_active = false and activate it once its steps are in)', v_task.name
    using errcode = '22023';
end;
$$;

comment on function scheduler_internal.tg_tasks__check_something_to_ask() is 'At commit: an active ai-prompt task has a prompt or at least one step (on tasks, and on task_steps when a step leaves its task).';

revoke execute on function scheduler_internal.tg_tasks__check_something_to_ask() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__check_timeout.sql ---------------------

create or replace function scheduler_internal.tg_tasks__check_timeout() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_max integer := scheduler_internal.max_run_seconds();
begin
  if new.timeout_seconds > v_max then
    raise exception 'timeout_seconds % cannot be honoured: a run may last at most % s here', new.timeout_seconds, v_max
      using errcode = '22023',
            detail = 'An Edge Function worker runs at most edge_wall_clock_seconds (150 s on Free, 400 s on paid plans) and takes new requests only in its first half; the run also waits up to dispatch_lookahead for its second.',
            hint = 'Lower timeout_seconds, or on a paid plan: update scheduler_internal.settings set value = ''400'' where key = ''edge_wall_clock_seconds''.';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__check_timeout() is 'Refuses a timeout_seconds the Edge Functions platform cannot honour (see scheduler_internal.max_run_seconds()).';

revoke execute on function scheduler_internal.tg_tasks__check_timeout() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__ensure_signing_secret.sql -------------

create or replace function scheduler_internal.tg_tasks__ensure_signing_secret() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_level = 'STATEMENT' then
    insert into scheduler_internal.signing_secrets (user_id)
    select distinct n.owner_id from new_tasks n where n.action_type in ('http', 'edge-function', 'watch') and n.owner_id is not null
    on conflict (user_id) do nothing;
  elsif new.owner_id is not null then
    insert into scheduler_internal.signing_secrets (user_id) values (new.owner_id) on conflict (user_id) do nothing;
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__ensure_signing_secret() is 'Gives the owner of an http, edge-function or watch task (whose polls are signed) webhook signing secrets (scheduler_internal.signing_secrets) if they have none.';

revoke execute on function scheduler_internal.tg_tasks__ensure_signing_secret() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__guard_ownership.sql -------------------

create or replace function scheduler_internal.tg_tasks__guard_ownership() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.owner_id is distinct from old.owner_id or new.created_by is distinct from old.created_by)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception 'only an admin may change a task''s owner_id or created_by'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__guard_ownership() is 'owner_id and created_by default to auth.uid(); only admins (or service work) change them later.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__guard_ownership() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__guard_run_as.sql ----------------------

-- a sql task runs as its owner (role authenticated, the owner's claims);
-- only an admin may make one run as service_role, or change one that does
-- (its function, arguments and owner are what service_role will run). The
-- audit trail records who did (tasks' _900/_901_audit). A watcher whose
-- source is sql (source.run_as) is held to the same rule.
create or replace function scheduler_internal.tg_tasks__guard_run_as() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if ((new.action_type = 'sql' and new.action_payload ->> 'run_as' = 'service_role')
      or (new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql'
          and new.action_payload -> 'source' ->> 'run_as' = 'service_role'))
     and (tg_op = 'INSERT'
          or old.action_type is distinct from new.action_type
          or old.action_payload is distinct from new.action_payload
          or old.owner_id is distinct from new.owner_id)
     and not (scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin())) then
    raise exception '%: only an admin may make a task run as service_role, or change one that does',
        case when new.action_type = 'watch' then 'source.run_as' else 'run_as' end
      using errcode = '42501',
            hint = 'leave run_as out (or set it to owner): the task then runs as its owner, under RLS';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__guard_run_as() is 'Only admins (or service work) set run_as service_role on a sql task (source.run_as on a watcher with source.type sql), or change a task that has it.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__guard_run_as() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__schedule.sql --------------------------

-- resuming keeps the schedule: what fell due while paused is not a misfire
create or replace function scheduler_internal.tg_tasks__schedule() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
begin
  if tg_op = 'INSERT'
     or new.schedule_cron is distinct from old.schedule_cron
     or new.schedule_interval is distinct from old.schedule_interval
     or new.run_at is distinct from old.run_at
     or new.timezone is distinct from old.timezone
     or (new.is_active and not old.is_active) then
    -- a one-off in the past still runs once (as a catch-up) unless misfires are skipped
    new.next_run_at := case
      when new.run_at is not null and new.run_at <= v_now and new.misfire_policy = 'run_once' then new.run_at
      else scheduler_internal.next_due_time(new.schedule_cron, new.schedule_interval, new.run_at, new.timezone, v_now)
    end;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__schedule() is 'Computes next_run_at on insert, schedule changes and resume (resuming continues from the next due time; a past one-off runs once under misfire_policy run_once).';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__schedule() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__sync_due.sql --------------------------

-- keeps scheduler_internal.due_tasks equal to the tasks a statement wrote:
-- a row for each active, undeleted task with a next_run_at, none for the
-- others (a deleted task's row goes with it, by its foreign key). Statement
-- level, so the claim's advance of a batch is one insert of the batch; a row
-- that did not change is not rewritten. Definer: signed-in users write tasks,
-- never this table.
create or replace function scheduler_internal.tg_tasks__sync_due() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    -- one scan by key of the tasks that are no longer due: as a join of the
    -- transition table, on statistics that said due_tasks was empty, it
    -- compared every due row with every updated task (410,100 comparisons
    -- for a claim of 100, tests/engine/stale-statistics.test.ts)
    delete from scheduler_internal.due_tasks d
    where d.task_id = any (array(
      select n.id from new_tasks n where not (n.is_active and n.deleted_at is null and n.next_run_at is not null)));
  end if;
  insert into scheduler_internal.due_tasks as d (task_id, next_run_at, owner_id, priority)
  select n.id, n.next_run_at, n.owner_id, n.priority
  from new_tasks n
  -- and the task is still there (a cascade can update a task it has
  -- deleted): one primary-key probe per row (offset 0 keeps it a probe; a
  -- semi-join on stale statistics scanned the whole index per row)
  cross join lateral (select 1 from scheduler.tasks t where t.id = n.id offset 0) still
  where n.is_active and n.deleted_at is null and n.next_run_at is not null
  on conflict (task_id) do update
  set next_run_at = excluded.next_run_at, owner_id = excluded.owner_id, priority = excluded.priority
  where (d.next_run_at, d.owner_id, d.priority) is distinct from (excluded.next_run_at, excluded.owner_id, excluded.priority);
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__sync_due() is 'Keeps scheduler_internal.due_tasks (the claim''s due index) equal to the tasks a statement inserted or updated.';

revoke execute on function scheduler_internal.tg_tasks__sync_due() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__sync_watcher.sql ----------------------

-- a watch task's state row follows the task: made with it, forgotten (seen
-- items, cursor, first poll) when what it watches changes, its error streak
-- cleared when it is resumed, removed when the task stops being a watcher.
-- Definer: the row is engine state that signed-in users only read.
create or replace function scheduler_internal.tg_tasks__sync_watcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or old.action_type is distinct from 'watch' then
    insert into scheduler.watchers (task_id) values (new.id) on conflict (task_id) do nothing;
    return null;
  end if;
  if new.action_type is distinct from 'watch' then
    delete from scheduler.watchers w where w.task_id = new.id;
    return null;
  end if;
  -- another feed (another URL, or another function or its arguments), or
  -- items picked or keyed differently: the old keys and cursor mean nothing
  -- there, and keeping them would emit every item again as new; the next
  -- poll is a first poll (seed_first_poll applies)
  if (old.action_payload -> 'source' ->> 'type', old.action_payload -> 'source' ->> 'url',
      old.action_payload -> 'source' ->> 'function', old.action_payload -> 'source' -> 'args', coalesce(old.action_payload ->> 'mode', 'items'),
      old.action_payload ->> 'items', old.action_payload ->> 'key', old.action_payload ->> 'cursor')
     is distinct from
     (new.action_payload -> 'source' ->> 'type', new.action_payload -> 'source' ->> 'url',
      new.action_payload -> 'source' ->> 'function', new.action_payload -> 'source' -> 'args', coalesce(new.action_payload ->> 'mode', 'items'),
      new.action_payload ->> 'items', new.action_payload ->> 'key', new.action_payload ->> 'cursor') then
    delete from scheduler.watcher_seen_items s where s.task_id = new.id;
    update scheduler.watchers w set cursor = null, last_success_at = null where w.task_id = new.id;
  end if;
  -- resuming (after it paused itself, or a person paused it) starts a new streak
  if new.is_active and not old.is_active then
    update scheduler.watchers w set error_count = 0, paused_at = null where w.task_id = new.id;
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__sync_watcher() is 'Keeps a watch task''s scheduler.watchers row: made on insert, reset (seen-set, cursor) when the source (type, url, function, args), mode, items, key or cursor changes, error streak cleared on resume, removed when action_type stops being watch.';

revoke execute on function scheduler_internal.tg_tasks__sync_watcher() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__validate.sql --------------------------

-- clear messages for bad input; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.action_type is null or new.action_type not in ('http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'watch') then
    raise exception 'unknown action_type "%": expected one of http, ai-prompt, notify, sql, edge-function, watch', new.action_type
      using errcode = '22023';
  end if;
  if new.type is null or new.type not in ('scheduled', 'event', 'manual') then
    raise exception 'unknown task type "%": expected one of scheduled, event, manual', new.type
      using errcode = '22023';
  end if;
  if num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) > 1 then
    raise exception 'a task has one schedule: set only one of schedule_cron, schedule_interval or run_at'
      using errcode = '22023';
  end if;
  if new.type = 'scheduled' and num_nonnulls(new.schedule_cron, new.schedule_interval, new.run_at) = 0 then
    raise exception 'a scheduled task needs schedule_cron, schedule_interval or run_at (or make it an event or manual task)'
      using errcode = '22023';
  end if;
  -- every claim carries these to the action: bounded, so one row cannot slow
  -- or break the batch it is claimed in
  if length(new.description) > 10000 then
    raise exception 'description: is % characters; the limit is 10000', length(new.description) using errcode = '22023';
  end if;
  if cardinality(new.tags) > 100 or exists (select 1 from unnest(new.tags) g where g is null or length(g) not between 1 and 100) then
    raise exception 'tags: at most 100, each 1 to 100 characters (got %)', cardinality(new.tags) using errcode = '22023';
  end if;
  if cardinality(new.acceptance_criteria) > 100
     or exists (select 1 from unnest(new.acceptance_criteria) c where c is null or length(c) > 2000) then
    raise exception 'acceptance_criteria: at most 100, each up to 2000 characters (got %)', cardinality(new.acceptance_criteria) using errcode = '22023';
  end if;
  if jsonb_typeof(new.metadata) is distinct from 'object' then
    raise exception 'metadata: must be a JSON object, got %', coalesce(jsonb_typeof(new.metadata), 'null') using errcode = '22023';
  end if;
  if jsonb_typeof(new.constraints) is distinct from 'object' then
    raise exception 'constraints: must be a JSON object, got %', coalesce(jsonb_typeof(new.constraints), 'null') using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('metadata', new.metadata, 65536) is not null
     or scheduler_internal.json_size_error('constraints', new.constraints, 65536) is not null then
    raise exception '%', coalesce(scheduler_internal.json_size_error('metadata', new.metadata, 65536),
      scheduler_internal.json_size_error('constraints', new.constraints, 65536)) using errcode = '22023';
  end if;
  if new.schedule_interval is not null and new.schedule_interval < interval '1 second' then
    raise exception 'schedule_interval must be at least 1 second, got %', new.schedule_interval
      using errcode = '22023';
  end if;
  if tg_op = 'INSERT' or new.timezone is distinct from old.timezone then
    perform scheduler_internal.assert_valid_timezone(new.timezone);
  end if;
  if new.schedule_cron is not null and (tg_op = 'INSERT' or new.schedule_cron is distinct from old.schedule_cron) then
    perform scheduler.validate_cron_expression(new.schedule_cron);
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate() is 'Refuses bad task input with messages that say what to fix.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__validate() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__validate_flow_control.sql -------------

-- flow control's columns get messages that name the field; the check
-- constraints stay as the backstop
create or replace function scheduler_internal.tg_tasks__validate_flow_control() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.max_concurrency is not null and new.max_concurrency < 1 then
    raise exception 'max_concurrency: must be at least 1 (null for no limit), got %', new.max_concurrency
      using errcode = '22023';
  end if;
  if new.max_concurrency > 10000 then
    raise exception 'max_concurrency: at most 10000 (null for no limit), got %', new.max_concurrency using errcode = '22023';
  end if;
  if num_nonnulls(new.rate_limit_count, new.rate_limit_period) = 1 then
    raise exception '%: a rate limit is rate_limit_count starts per rate_limit_period; set both, or neither',
      case when new.rate_limit_count is null then 'rate_limit_count' else 'rate_limit_period' end
      using errcode = '22023';
  end if;
  if new.rate_limit_count is not null and new.rate_limit_count < 1 then
    raise exception 'rate_limit_count: must be at least 1 (null for no limit), got %', new.rate_limit_count
      using errcode = '22023';
  end if;
  if new.rate_limit_count > 10000 then
    raise exception 'rate_limit_count: at most 10000, got %', new.rate_limit_count using errcode = '22023';
  end if;
  if new.rate_limit_period not between interval '1 second' and interval '31 days' then
    raise exception 'rate_limit_period: must be between 1 second and 31 days, got %', new.rate_limit_period
      using errcode = '22023';
  end if;
  if new.debounce_window not between interval '1 second' and interval '1 day' then
    raise exception 'debounce_window: must be between 1 second and 1 day (null: one run per event), got %', new.debounce_window
      using errcode = '22023';
  end if;
  if new.debounce_inputs is null or new.debounce_inputs not in ('last', 'all') then
    raise exception 'debounce_inputs: must be one of last, all, got %', coalesce('"' || new.debounce_inputs || '"', 'null')
      using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate_flow_control() is 'Refuses a max_concurrency, rate limit or debounce that cannot work, naming the field (22023).';

revoke execute on function scheduler_internal.tg_tasks__validate_flow_control() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__validate_payload.sql ------------------

create or replace function scheduler_internal.tg_tasks__validate_payload() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_error text;
begin
  if tg_op = 'INSERT' or new.action_payload is distinct from old.action_payload or new.action_type is distinct from old.action_type then
    v_error := scheduler_internal.action_payload_error(new.action_type, new.action_payload);
    if v_error is not null then
      raise exception 'invalid action_payload for %: %', new.action_type, v_error
        using errcode = '22023', hint = 'see README, "Actions", for each action''s payload';
    end if;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate_payload() is 'Refuses a task whose action_payload does not match its action''s schema.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__validate_payload() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__wake_dispatcher_on_insert.sql ---------

-- tasks created, edited or resumed with a due time before the next look
create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(next_run_at) into v_due from new_tasks where is_active and deleted_at is null;
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'task due soon');
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() is 'Asks for a dispatcher when new tasks fall due before it would look.';

revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() from public, anon, authenticated;

-- supabase/schemas/24_triggers/tg_tasks__wake_dispatcher_on_update.sql ---------

create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_update() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.request_dispatch(new.next_run_at, 'task due soon');
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() is 'Asks for a dispatcher when an edited or resumed task falls due before it would look.';

revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() from public, anon, authenticated;

-- supabase/schemas/25_engine/check_dispatcher_heartbeat.sql --------------------

-- the dead-man check, every minute from scheduler-tick. A fresh install has
-- no admin yet, so the owners of work that is due hear it too; whoever heard
-- that it stopped hears that it is back. The tick wakes the dispatcher only
-- when there is work, so a dispatcher with nothing to do is healthy, and
-- silence counts from when work fell due (a project idle for hours is not
-- an outage the minute a task falls due).
create or replace function scheduler.check_dispatcher_heartbeat(p_now timestamptz default now()) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_minutes integer := coalesce((scheduler_internal.setting('dead_man_minutes'))::integer, 5);
  v_beat scheduler_internal.dispatcher_heartbeat;
  v_silent_since timestamptz;
  v_due_since timestamptz;
  v_recipients uuid[];
begin
  select * into v_beat from scheduler_internal.dispatcher_heartbeat for update;
  if v_beat.alerted_at is not null then
    if v_beat.last_tick_at is null or v_beat.last_tick_at <= v_beat.alerted_at then
      return false; -- a quiet dispatcher is only news once per outage
    end if;
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, data)
    select u.id, 'The scheduler is running again',
      'The dispatcher claimed work again at ' || v_beat.last_tick_at || '; it had been silent when you were alerted at ' || v_beat.alerted_at || '. Work that fell due meanwhile follows each task''s misfire_policy.',
      'status', 'normal', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at, 'alerted_at', v_beat.alerted_at)
    from scheduler.profiles u where u.id = any (v_beat.alerted_user_ids);
    update scheduler_internal.dispatcher_heartbeat set alerted_at = null, alerted_user_ids = '{}';
    return true;
  end if;
  v_due_since := scheduler_internal.earliest_dispatch_work(p_now, p_now);
  if v_due_since is null then
    return false; -- nothing to do: nobody was woken, nobody is late
  end if;
  v_silent_since := greatest(coalesce(v_beat.last_tick_at, v_beat.watching_since), v_due_since);
  if v_silent_since >= p_now - make_interval(mins => v_minutes) then
    return false;
  end if;
  select coalesce(array_agg(distinct r.id), '{}') into v_recipients from (
    select p.id from scheduler.profiles p where p.role = 'admin' and p.status = 'active'
    union all
    select t.owner_id from scheduler_internal.due_tasks t
    where t.next_run_at <= p_now
    union all
    select t.owner_id from scheduler.task_runs q join scheduler.tasks t on t.id = q.task_id
    where q.status = 'queued' and q.scheduled_time <= p_now and t.deleted_at is null
  ) r;
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, data)
  select u, 'The scheduler has stopped',
    case when v_beat.last_tick_at is null
      then 'The dispatcher has not claimed work since the scheduler was installed (' || v_beat.watching_since || '). Check the Vault entries project_url and dispatcher_secret, the scheduler-tick pg_cron job, net._http_response and the dispatcher function logs.'
      else 'The dispatcher last claimed work at ' || v_beat.last_tick_at || '. Check the scheduler-tick pg_cron job, net._http_response and the dispatcher function logs.'
    end,
    'alert', 'urgent', 'web', jsonb_build_object('last_tick_at', v_beat.last_tick_at, 'silent_since', v_silent_since)
  from unnest(v_recipients) u;
  update scheduler_internal.dispatcher_heartbeat set alerted_at = p_now, alerted_user_ids = v_recipients;
  return true;
end;
$$;

comment on function scheduler.check_dispatcher_heartbeat(timestamptz) is 'Dead-man check: once the dispatcher has not claimed for dead_man_minutes while work was due (earliest_dispatch_work; nothing due is healthy), counted from its last claim or the install, whichever is later than the work falling due, notifies the admins and the owners of due work, once per outage; when it claims again, tells the same people. Returns whether it notified anyone.';

revoke execute on function scheduler.check_dispatcher_heartbeat(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.check_dispatcher_heartbeat(timestamptz) to service_role;

-- supabase/schemas/25_engine/claim_due_runs.sql --------------------------------

-- The claim (docs/dispatch.md): one statement per batch turns due tasks into
-- runs and takes queued runs, under FOR UPDATE SKIP LOCKED, so concurrent
-- dispatchers never get the same run. It hands over only what is due within
-- dispatch_lookahead, as `claimed` (nothing is sent yet), and judges only
-- what cannot wait for the run's second: a scheduler that was down
-- (misfire), dependencies and approvals. Overlap, lateness, pause and cancel
-- are judged at the second by start_runs.
--  * queued runs come only from the head of each task's queue unless the
--    task allows overlap, so a retry and a queued overlap run never start
--    together;
--  * due tasks are locked `for no key update` (the claim changes only
--    next_run_at), so inserting a run for a task being claimed (run now,
--    events: their foreign key takes key share) does not wait for it;
--  * prerequisites are checked only for tasks that have any, and the hot
--    statements run with jit off (LLVM compiled each big claim for seconds);
--  * the rows it decided are found again by address and the result is built
--    from them, so plans stay the size of the batch on stale statistics
--    (bench/NOTES.md, round 3).
-- Flow control (README "Flow control"):
--  * fair share between owners: due work is ranked within each owner
--    (row_number over the owner's priority and due time) and the batch
--    takes turns, so one owner's backlog of thousands never keeps another
--    owner's due run out of the batch (Hatchet's GROUP_ROUND_ROBIN, DBOS's
--    partitioned queues). scheduler.owner_limits weighs the turns, and caps
--    an owner's runs in flight with the owner_max_in_flight setting;
--  * a task's max_concurrency (with overlap allow) and rate limit: a due
--    occurrence over max_concurrency is queued, one over the rate limit
--    skipped (folded into the previous such skip), and only as many of a
--    task's queued runs are taken as it has room for. A debounced event run
--    is taken at its second, never ahead: it gathers events until then.
--  Tasks without these columns, and owners without limits, pay for none of
--  the lookups (each is behind a CASE on the task's own columns, or a
--  one-time filter on a variable).
-- Two statements: the due tasks, then the queued runs, the second only when
-- queued runs are in reach, so a claim without any plans the first alone
-- (planning the whole was a millisecond a claim, a tenth of the needle's;
-- bench/RESULTS.md, flow control). The second sees what the first claimed.
create function scheduler.claim_due_runs(
  p_limit integer default 100,
  p_now timestamptz default now(),
  p_lookahead interval default null,
  p_worker text default 'dispatcher',
  p_lease interval default null
) returns table (
  run_id uuid,
  task_id uuid,
  attempt integer,
  scheduled_time timestamptz,
  triggered_by text,
  lease_expires_at timestamptz,
  action_type text,
  action_payload jsonb,
  timeout_seconds integer,
  inputs jsonb,
  task jsonb,
  steps jsonb,
  idempotency_key text
)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_lookahead interval := coalesce(p_lookahead, scheduler_internal.dispatch_lookahead());
  v_start_grace interval := coalesce(p_lease, (scheduler_internal.setting('start_grace') #>> '{}')::interval, interval '30 seconds');
  v_cap_setting jsonb := scheduler_internal.setting('owner_max_in_flight');
  v_owner_cap integer;
  v_capped boolean;
  -- per owner, read once a claim: weights other than 1, and the room left
  -- under each cap ({owner_id: n}); null when no owner has one
  v_weights jsonb;
  v_rooms jsonb;
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  if v_cap_setting is not null and jsonb_typeof(v_cap_setting) <> 'null' then
    if jsonb_typeof(v_cap_setting) <> 'number' or (v_cap_setting #>> '{}')::numeric < 1
       or (v_cap_setting #>> '{}')::numeric <> trunc((v_cap_setting #>> '{}')::numeric) then
      raise exception 'owner_max_in_flight setting: must be a whole number of at least 1, or null for no cap; got %', v_cap_setting
        using errcode = '22023';
    end if;
    v_owner_cap := (v_cap_setting #>> '{}')::integer;
  end if;
  select jsonb_object_agg(l.owner_id, l.weight) filter (where l.weight <> 1), bool_or(l.max_in_flight is not null)
  into v_weights, v_capped
  from scheduler.owner_limits l;
  v_capped := v_owner_cap is not null or coalesce(v_capped, false);
  if v_capped then
    v_rooms := scheduler_internal.owner_rooms(v_owner_cap);
  end if;
  -- the dead-man check's beat, taken only when no other claim holds it: one
  -- row that every claimer writes made each claim wait for the one before
  -- it to commit, so concurrent dispatchers claimed one at a time (the
  -- claim holding it beats for both)
  update scheduler_internal.dispatcher_heartbeat h set last_tick_at = p_now
  where h.id = (select b.id from scheduler_internal.dispatcher_heartbeat b for update skip locked);

  return query
  -- every due task, ranked within its owner: narrow rows, one sort (ties
  -- are left in any order: a tie-break on the id, in a burst where every
  -- row ties, doubled the sort). Read from the due index's own table
  -- (scheduler_internal.due_tasks: active, undeleted tasks only), so the
  -- task's wide row is read for the batch alone
  with ranked as (
    select c.task_id, c.owner_id, c.priority, c.next_run_at,
      row_number() over (partition by c.owner_id order by c.priority desc, c.next_run_at) as turn
    from scheduler_internal.due_tasks c
    where c.next_run_at <= p_now + v_lookahead
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.task_id)
           or scheduler_internal.dependencies_satisfied(c.task_id))
  ),
  -- the best due tasks, a few times the batch, in a bounded top-N sort on
  -- the owners' turns (locking at this level would sort every due row in
  -- full); an owner with a cap has only its room's worth
  candidates as (
    select x.row_address, r.share
    from (
      select r.task_id,
        case when v_weights is null then r.turn - 1
          else (r.turn - 1)::float8 / coalesce((v_weights ->> r.owner_id::text)::integer, 1) end as share
      from ranked r
      where not v_capped or r.turn <= coalesce((v_rooms ->> r.owner_id::text)::integer, v_owner_cap, 2147483647)
      order by share, r.priority desc, r.next_run_at
      limit p_limit * 4
    ) r
    -- each task's address: one primary-key probe per candidate (offset 0
    -- keeps it a probe; joined plainly, statistics that say tasks is empty
    -- made it a scan of the whole index per candidate)
    cross join lateral (select t.ctid as row_address from scheduler.tasks t where t.id = r.task_id offset 0) x
  ),
  -- then lock them, found again by address; the conditions are rechecked on
  -- the row's latest version
  due as (
    select t.ctid as row_address, t.*
    from candidates c
    join scheduler.tasks t on t.ctid = c.row_address
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + v_lookahead
    order by c.share, t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  -- materialized: every later step must see the same generated ids.
  -- Only a due time missed while the scheduler was down, and the task's own
  -- flow rules, are judged here; the rest waits for the run's second
  -- (start_runs)
  decided as materialized (
    select
      d.*,
      case
        when d.missed and d.misfire_policy = 'skip' then 'skipped'
        when d.requires_approval then 'awaiting_approval'
        when d.flow like 'skipped:%' then 'skipped'
        when d.flow is not null then 'queued'
        else 'claimed'
      end::scheduler.run_status as run_state,
      case
        when d.missed and d.misfire_policy = 'skip'
          then 'skipped: due at ' || d.next_run_at || ', missed while the scheduler was down (misfire_policy skip)'
        when not d.requires_approval then d.flow
      end as note,
      -- a skip like the task's latest finished run folds into it, as the
      -- gate folds overlap skips
      case when d.flow like 'skipped:%' and not (d.missed and d.misfire_policy = 'skip') and not d.requires_approval
        then scheduler_internal.skip_fold_target(d.id, d.flow) end as fold_into,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone, d.due_at) as following,
      scheduler_internal.uuid_v7() as new_run_id
    from (
      select d.*, d.next_run_at < p_now - v_grace as missed, x.due_at,
        -- the task's rate limit and max_concurrency (with overlap allow)
        case when d.rate_limit_count is not null or d.max_concurrency is not null
          then scheduler_internal.occurrence_flow(d.id, x.due_at, d.overlap_policy, d.max_concurrency,
            d.rate_limit_count, d.rate_limit_period) end as flow
      from due d
      cross join lateral (select case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end as due_at) x
    ) d
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following,
        last_run_at = case when d.run_state = 'skipped' then t.last_run_at else greatest(t.last_run_at, d.due_at) end
    from decided d
    where t.ctid = d.row_address
  ),
  created as (
    insert into scheduler.task_runs (
      id, task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, log_summary, locked_at, locked_by, lease_expires_at, wait_reason
    )
    select
      d.new_run_id, d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then d.note end,
      case when d.run_state = 'skipped' then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', d.next_run_at) end,
      case when d.run_state = 'claimed' then p_now end,
      case when d.run_state = 'claimed' then p_worker end,
      case when d.run_state = 'claimed' then d.due_at + v_start_grace end,
      case when d.run_state = 'queued' then d.note end
    from decided d
    where d.fold_into is null
    returning id, status
  ),
  -- (by primary key from the few folds, whatever the statistics say: a join
  -- planned on an empty table's statistics scanned every run for each
  -- decided row)
  folded as (
    update scheduler.task_runs r
    set log_summary = jsonb_build_object(
          'skipped_occurrences', coalesce((r.log_summary ->> 'skipped_occurrences')::integer, 1) + 1,
          'last_scheduled_time', (select d.due_at from decided d where d.fold_into = r.id)),
        end_time = greatest(r.end_time, p_now)
    where r.id = any (array(select d.fold_into from decided d where d.fold_into is not null))
  ),
  -- approvals read the inserted runs, so the runs exist when the approval's
  -- own check looks for them; both sides are only the held runs. They expire
  -- from the run's due time
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select d.id, d.new_run_id, d.action_type,
      jsonb_build_object('scheduled_time', d.due_at, 'task_name', d.name), 'system', d.due_at + d.approval_ttl
    from created c
    join decided d on d.new_run_id = c.id
    where c.status = 'awaiting_approval' and d.run_state = 'awaiting_approval'
    returning id, run_id
  ),
  approval_notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select d.owner_id, 'Approval needed: ' || d.name,
      'A run of "' || d.name || '" is waiting for your approval.', 'approval', 'high', 'web', d.id, d.new_run_id,
      jsonb_build_object('approval_id', a.id)
    from approvals a
    join decided d on d.new_run_id = a.run_id
    where d.run_state = 'awaiting_approval'
  ),
  -- what the due branch hands over: the new claimed runs
  handed as (
    select d.new_run_id as run_id, d.id as task_id, 1 as attempt, d.due_at as scheduled_time,
      'schedule'::text as triggered_by, d.due_at + v_start_grace as lease_expires_at, null::jsonb as inputs,
      d.new_run_id::text as idempotency_key,
      d.action_type, d.action_payload, d.timeout_seconds, d.name, d.owner_id, d.timezone, d.tags,
      d.priority, d.max_attempts, d.metadata
    from decided d
    where d.run_state = 'claimed'
  )
  select
    r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
    jsonb_build_object(
      'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
      'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
    ),
    -- the same steps as the queued statement below hands over (keep the two alike)
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data,
        'allowed_tools', s.allowed_tools, 'requires_approval', s.requires_approval
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id
    ), '[]'::jsonb),
    r.idempotency_key
  from handed r
  -- http deliveries and watch polls are signed with the owner's secret
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type in ('http', 'watch')
  order by r.scheduled_time, r.priority desc;

  -- the queued runs, in a statement of their own, planned only when some
  -- are in reach: a claim with none (the needle, most claims) plans only the
  -- due statement above. It sees the runs that statement claimed, so a
  -- task's max_concurrency and rate limit and an owner's cap count them
  -- without being told (the rooms are read again for it)
  if exists (select 1 from scheduler.task_runs q where q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead) then
    if v_capped then
      v_rooms := scheduler_internal.owner_rooms(v_owner_cap);
    end if;
    return query
    -- every queued run that may go now, ranked within its owner like the due
    -- tasks (narrow rows; the task's wide columns are read once a run is taken)
    with queue as (
      select r.ctid as row_address, r.scheduled_time, t.owner_id, t.priority,
        row_number() over (partition by t.owner_id order by t.priority desc, r.scheduled_time) as turn
      from scheduler.task_runs r
      -- one primary-key probe per queued run (offset 0 keeps it a probe)
      cross join lateral (
        select t.deleted_at, t.overlap_policy, t.owner_id, t.priority,
          t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.debounce_window
        from scheduler.tasks t
        where t.id = r.task_id
        offset 0
      ) t
      where r.status = 'queued'
        and r.scheduled_time <= p_now + v_lookahead
        and t.deleted_at is null
        -- unless the task allows overlap: nothing of it is claimed or running,
        -- and this is the head of its queue
        and (t.overlap_policy = 'allow' or not exists (
          select 1 from scheduler.task_runs o
          where o.task_id = r.task_id
            -- a later occurrence claimed ahead does not hold back an earlier
            -- queued run (a given-back run, a retry of a task due more often
            -- than the lookahead): only what runs, or was claimed before it
            and (o.status = 'running'
                 or (o.status = 'claimed' and o.scheduled_time <= r.scheduled_time)
                 or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
        ))
        -- a debounced event run gathers its window's events until its second
        and (t.debounce_window is null or r.scheduled_time <= p_now or r.triggered_by not like 'event:%')
        -- max_concurrency and rate limit: the heads of the task's queue that
        -- fit its room (what the due statement claimed of the task is in it)
        and (t.max_concurrency is null and t.rate_limit_count is null
             or scheduler_internal.queue_fits(r.task_id, r.id, r.scheduled_time, greatest(r.scheduled_time, p_now), t.overlap_policy,
                  t.max_concurrency, t.rate_limit_count, t.rate_limit_period, null))
    ),
    -- the best of them, a few times the batch, on the owners' turns (an
    -- owner with a cap has only its room's worth)
    queue_candidates as (
      select q.row_address, q.owner_id, q.turn, q.priority, q.scheduled_time,
        case when v_weights is null then q.turn - 1
          else (q.turn - 1)::float8 / coalesce((v_weights ->> q.owner_id::text)::integer, 1) end as share
      from queue q
      where not v_capped or q.turn <= coalesce((v_rooms ->> q.owner_id::text)::integer, v_owner_cap, 2147483647)
      order by share, q.priority desc, q.scheduled_time
      limit p_limit * 4
    ),
    -- then lock them, found again by address, rechecked on the latest version
    waiting as (
      select r.ctid as row_address, r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.inputs,
        coalesce(r.idempotency_key, r.id::text) as idempotency_key,
        greatest(r.scheduled_time, p_now) + v_start_grace as lease_until,
        c.priority
      from queue_candidates c
      join scheduler.task_runs r on r.ctid = c.row_address
      where r.status = 'queued'
      order by c.share, c.priority desc, c.scheduled_time
      limit p_limit
      for update of r skip locked
    ),
    taken as (
      update scheduler.task_runs r
      set status = 'claimed', locked_at = p_now, locked_by = p_worker,
          lease_expires_at = greatest(r.scheduled_time, p_now) + v_start_grace
      where r.ctid = any (array(select w.row_address from waiting w))
    ),
    -- what is handed over: the queued runs taken
    handed as (
      select w.id as run_id, w.task_id, w.attempt, w.scheduled_time, w.triggered_by, w.lease_until as lease_expires_at, w.inputs,
        w.idempotency_key,
        t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
        t.priority, t.max_attempts, t.metadata
      from waiting w
      -- one primary-key probe per taken run (offset 0 keeps it a probe)
      cross join lateral (
        select t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
          t.priority, t.max_attempts, t.metadata
        from scheduler.tasks t
        where t.id = w.task_id
        offset 0
      ) t
    )
    select
      r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
      r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
      jsonb_build_object(
        'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
        'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
      ),
      -- the same steps as the due statement hands over (keep the two alike:
      -- a resumed ai-prompt run comes back through this one)
      coalesce((
        select jsonb_agg(jsonb_build_object(
          'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
          'include_previous_context', s.include_previous_context, 'context_data', s.context_data,
          'allowed_tools', s.allowed_tools, 'requires_approval', s.requires_approval
        ) order by s.step_order)
        from scheduler.task_steps s where s.task_id = r.task_id
      ), '[]'::jsonb),
      r.idempotency_key
    from handed r
    -- http deliveries and watch polls are signed with the owner's secret
    left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type in ('http', 'watch')
    order by r.scheduled_time, r.priority desc;
  end if;

  -- the queued runs a task's max_concurrency or rate limit holds back say
  -- why, once (only a changed reason is written; at most a batch a claim).
  -- Driven by the few tasks with such rules (tasks_flow_rules_idx), so
  -- nothing runs without them
  if exists (select 1 from scheduler.tasks t where t.max_concurrency is not null or t.rate_limit_count is not null) then
    update scheduler.task_runs r
    set wait_reason = h.reason
    from (
      select c.row_address, c.reason
      from (
        select q.ctid as row_address, x.reason
        from scheduler.tasks t
        -- each task's queue by the open-runs index (offset 0 keeps it a probe)
        cross join lateral (
          select q.ctid, q.id, q.scheduled_time, q.triggered_by, q.wait_reason
          from scheduler.task_runs q
          where q.task_id = t.id and q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead
          offset 0
        ) q
        cross join lateral (
          select
            case when t.max_concurrency is not null and t.overlap_policy = 'allow'
              then scheduler_internal.concurrency_room(t.id, t.max_concurrency) end as c_room,
            case when t.rate_limit_count is not null
              then scheduler_internal.rate_room(t.id, t.rate_limit_count, t.rate_limit_period, greatest(q.scheduled_time, p_now)) end as r_room
        ) f
        cross join lateral (
          select case when t.overlap_policy = 'allow'
            then scheduler_internal.queue_position(t.id, q.scheduled_time, q.id, greatest(least(f.c_room, f.r_room), 0)) else 0 end as ahead
        ) a
        cross join lateral (
          select case
            when a.ahead >= f.c_room then 'waiting: max_concurrency ' || t.max_concurrency || ' reached (runs of this task claimed or running)'
            when a.ahead >= f.r_room then 'waiting: the rate limit of ' || t.rate_limit_count || ' starts per ' || t.rate_limit_period
              || ' was reached (rate_limit_count, rate_limit_period)'
          end as reason
        ) x
        where (t.max_concurrency is not null or t.rate_limit_count is not null)
          and t.deleted_at is null
          -- an open debounce window keeps its own note
          and (t.debounce_window is null or q.scheduled_time <= p_now or q.triggered_by not like 'event:%')
          and x.reason is not null
          and x.reason is distinct from q.wait_reason
        limit p_limit
      ) c
      -- locked, found again by address, rechecked on the latest version
      join scheduler.task_runs l on l.ctid = c.row_address
      where l.status = 'queued'
      for update of l skip locked
    ) h
    where r.ctid = h.row_address;
  end if;
end;
$$;

comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role (dispatcher): turns tasks due within p_lookahead (default: the dispatch_lookahead setting) into runs and takes due queued runs, all `claimed` by p_worker for their action to start at their second through start_runs. Applies dependencies, approvals and misfires of a stopped scheduler; SKIP LOCKED under concurrency.';

revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;

grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;

-- supabase/schemas/25_engine/complete_runs.sql ---------------------------------

create function scheduler.complete_runs(p_results jsonb, p_now timestamptz default now(), p_worker text default null)
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_task_ids uuid[];
  v_run_ids uuid[];
  v_outcomes text[];
  v_retry_ids uuid[];
begin
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception 'complete_runs: p_results must be a JSON array of results' using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_results) e
    where e ->> 'status' is null or e ->> 'status' not in ('completed', 'failed') or e ->> 'run_id' is null
  ) then
    raise exception 'complete_runs: every result needs run_id and status completed or failed' using errcode = '22023';
  end if;

  -- one statement records everything; its answer is gathered into arrays,
  -- so the finished runs' tasks (for the wake below) come from it too
  with results as (
    select *
    from jsonb_to_recordset(p_results) as x(
      run_id uuid, status text, retryable boolean, output jsonb, log text, log_summary jsonb,
      error_message text, started_at timestamptz, ended_at timestamptz, steps jsonb
    )
  ),
  finished as (
    update scheduler.task_runs r
    set status = x.status::scheduler.run_status,
        start_time = coalesce(r.start_time, x.started_at),
        end_time = greatest(coalesce(x.ended_at, p_now), coalesce(r.start_time, x.started_at, p_now)),
        output = x.output,
        log = x.log,
        log_summary = x.log_summary,
        error_message = case when x.status = 'failed' then coalesce(x.error_message, 'failed without a message') end,
        lease_expires_at = null
    from results x
    where r.id = x.run_id
      and (p_worker is null or r.locked_by = p_worker)
      -- a claimed run never started: it can only have failed before it began
      and (r.status = 'running' or (r.status = 'claimed' and x.status = 'failed'))
    returning r.*, coalesce(x.retryable, false) as retryable, x.steps
  ),
  judged as (
    select f.*, t.owner_id, t.task_name, t.action_type, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds,
      (f.status = 'failed' and f.retryable and f.attempt < t.max_attempts and t.deleted_at is null) as will_retry
    from finished f
    -- one primary-key probe per finished run (offset 0 keeps it a probe)
    cross join lateral (
      select t.owner_id, t.name as task_name, t.action_type, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds, t.deleted_at
      from scheduler.tasks t
      where t.id = f.task_id
      offset 0
    ) t
  ),
  retries as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, idempotency_key)
    select j.task_id, p_now + scheduler_internal.retry_delay(j.id, j.attempt, j.retry_backoff_seconds, j.retry_backoff_max_seconds),
      'queued', j.attempt + 1, 'retry', j.inputs, coalesce(j.idempotency_key, j.id::text)
    from judged j where j.will_retry
    returning id, task_id, attempt
  ),
  alerts as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select j.owner_id, 'Task failed: ' || j.task_name,
      coalesce(j.error_message, 'failed') || ' (attempt ' || j.attempt || ' of ' || j.max_attempts || ')',
      'error', 'high', 'web', j.task_id, j.id,
      jsonb_build_object('attempt', j.attempt, 'scheduled_time', j.scheduled_time)
    from judged j where j.status = 'failed' and not j.will_retry
      -- a failed poll is the watcher's to report: it backs off, and tells
      -- the owner once when it pauses itself (record_watcher_error)
      and j.action_type <> 'watch'
  ),
  step_results as (
    update scheduler.task_steps s
    set status = coalesce(st.status, s.status),
        execution_result = coalesce(st.result, '{}'::jsonb),
        execution_started_at = st.started_at,
        execution_completed_at = st.ended_at,
        error_message = st.error_message,
        retry_count = coalesce(st.retry_count, 0),
        run_id = j.id
    from judged j
    cross join lateral jsonb_to_recordset(coalesce(j.steps, '[]'::jsonb)) as st(
      id uuid, status text, result jsonb, started_at timestamptz, ended_at timestamptz, error_message text, retry_count integer
    )
    where s.id = st.id and s.task_id = j.task_id
  ),
  -- dependents without a schedule of their own run when their prerequisites are
  -- satisfied; scheduled dependents simply become eligible at their next due time
  dependents as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
    select distinct d.task_id, p_now, 'queued'::scheduler.run_status, 1, 'dependency',
      jsonb_build_object('prerequisite_run_id', j.id, 'prerequisite_task_id', j.task_id)
    from judged j
    join scheduler.task_dependencies d on d.depends_on_task_id = j.task_id
    cross join lateral (
      select t.type, t.is_active, t.deleted_at from scheduler.tasks t where t.id = d.task_id offset 0
    ) t
    where not j.will_retry
      and t.type <> 'scheduled' and t.is_active and t.deleted_at is null
      and (d.dependency_type = 'always' or (d.dependency_type = 'success') = (j.status = 'completed'))
      -- the other prerequisites (this statement cannot see the run it just finished)
      and not exists (
        select 1 from scheduler.task_dependencies o
        where o.task_id = d.task_id and o.depends_on_task_id <> j.task_id
          and not scheduler_internal.edge_satisfied(o.depends_on_task_id, o.dependency_type)
      )
  ),
  answered as (
    select x.run_id,
      case
        when j.id is null then 'ignored: the run is not running for this worker (finished, cancelled or taken back)'
        when j.will_retry then 'retry scheduled'
        else j.status::text
      end as outcome,
      rt.id as retry_run_id,
      j.task_id
    from results x
    left join judged j on j.id = x.run_id
    left join retries rt on rt.task_id = j.task_id and rt.attempt = j.attempt + 1
  )
  select coalesce(array_agg(a.run_id), '{}'), coalesce(array_agg(a.outcome), '{}'), coalesce(array_agg(a.retry_run_id), '{}'),
    coalesce(array_agg(distinct a.task_id) filter (where a.task_id is not null), '{}')
  into v_run_ids, v_outcomes, v_retry_ids, v_task_ids
  from answered a;

  return query select * from unnest(v_run_ids, v_outcomes, v_retry_ids);

  -- a run that waited behind one of these (overlap_policy queue), or a
  -- scheduled dependent whose prerequisite just finished, can go now: the
  -- tasks of the runs this call finished (the statement above names them;
  -- reading them again by the results' ids cost a probe per result), and
  -- each task's waiting run, a probe by key
  if exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_runs q
      where q.task_id = x.task_id and q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead
      limit 1
    ) q
  ) or exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_dependencies d
      cross join lateral (select t.is_active, t.deleted_at, t.next_run_at from scheduler.tasks t where t.id = d.task_id offset 0) t
      where d.depends_on_task_id = x.task_id and t.is_active and t.deleted_at is null and t.next_run_at <= p_now + v_lookahead
      limit 1
    ) d
  ) then
    perform scheduler_internal.request_dispatch(p_now, 'a run finished');
  end if;
end;
$$;

comment on function scheduler.complete_runs(jsonb, timestamptz, text) is
  'service_role (action functions): records ActionResults (shared/contract.ts) as runs end, in one statement: status, output, log, steps; retries with backoff under the same idempotency key; final-failure notifications; dependents. With p_worker, only that worker''s runs are recorded.';

revoke execute on function scheduler.complete_runs(jsonb, timestamptz, text) from public, anon, authenticated;

grant execute on function scheduler.complete_runs(jsonb, timestamptz, text) to service_role;

-- supabase/schemas/25_engine/concurrency_room.sql ------------------------------

-- how many more runs of a task may be in flight (claimed or running) under
-- its max_concurrency; two probes of the open-runs index. Called only for
-- tasks that have a max_concurrency
create or replace function scheduler_internal.concurrency_room(p_task_id uuid, p_max_concurrency integer)
returns integer
language sql stable
set search_path = ''
as $$
  select p_max_concurrency - count(*)::integer
  from scheduler.task_runs o
  where o.task_id = p_task_id and o.status in ('claimed', 'running')
$$;

comment on function scheduler_internal.concurrency_room(uuid, integer) is 'max_concurrency less the task''s runs claimed or running (0 or less: at its limit).';

revoke execute on function scheduler_internal.concurrency_room(uuid, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.concurrency_room(uuid, integer) to service_role;

-- supabase/schemas/25_engine/debounce_flush.sql --------------------------------

-- a debounced run of debounce_inputs all gets its window's events: a new run
-- at the window's end, or the open one, updated. The latest event names it
-- (event_id, triggered_by). Called by the event trigger, as its definer
create or replace function scheduler_internal.debounce_flush(
  p_task_id uuid, p_open_run_id uuid, p_due timestamptz, p_window interval, p_events jsonb[]
) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_last jsonb := p_events[cardinality(p_events)];
begin
  if cardinality(p_events) = 0 then
    return;
  end if;
  if p_open_run_id is null then
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, event_id, wait_reason)
    values (p_task_id, p_due, 'queued', 1, 'event:' || (v_last ->> 'event_type'),
      jsonb_build_object('events', to_jsonb(p_events)), (v_last ->> 'event_id')::uuid,
      scheduler_internal.debounce_note(cardinality(p_events), p_window, 'all'));
  else
    update scheduler.task_runs r
    set inputs = jsonb_build_object('events', to_jsonb(p_events)),
        event_id = (v_last ->> 'event_id')::uuid,
        triggered_by = 'event:' || (v_last ->> 'event_type'),
        wait_reason = scheduler_internal.debounce_note(cardinality(p_events), p_window, 'all')
    where r.id = p_open_run_id;
  end if;
end;
$$;

comment on function scheduler_internal.debounce_flush(uuid, uuid, timestamptz, interval, jsonb[]) is 'Writes a debounce window''s events (debounce_inputs all) into its run: a new one due at p_due, or the open one.';

revoke execute on function scheduler_internal.debounce_flush(uuid, uuid, timestamptz, interval, jsonb[]) from public, anon, authenticated;

-- supabase/schemas/25_engine/debounce_note.sql ---------------------------------

-- the note a debounced run carries in wait_reason; the event trigger reads
-- the count back from it when a later event of the window folds in
create or replace function scheduler_internal.debounce_note(p_events integer, p_window interval, p_inputs text)
returns text
language sql immutable
set search_path = ''
as $$
  select 'debounced: ' || p_events || case when p_events = 1 then ' event' else ' events' end
    || ' within ' || p_window || ' (debounce_window), '
    || case when p_inputs = 'all' then 'all of them in its inputs.events (debounce_inputs all)'
            else 'the last one''s payload as its inputs (debounce_inputs last)' end
$$;

comment on function scheduler_internal.debounce_note(integer, interval, text) is 'What a debounced run says it gathered: how many events, the window, which inputs.';

revoke execute on function scheduler_internal.debounce_note(integer, interval, text) from public, anon, authenticated;

-- supabase/schemas/25_engine/dependencies_satisfied.sql ------------------------

create or replace function scheduler_internal.dependencies_satisfied(p_task_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select not exists (
    select 1 from scheduler.task_dependencies d
    where d.task_id = p_task_id and not scheduler_internal.edge_satisfied(d.depends_on_task_id, d.dependency_type)
  )
$$;

comment on function scheduler_internal.dependencies_satisfied(uuid) is 'True when every prerequisite''s latest finished run matches its edge: success, failure, or always.';

revoke execute on function scheduler_internal.dependencies_satisfied(uuid) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.dependencies_satisfied(uuid) to authenticated, service_role;

-- supabase/schemas/25_engine/dispatch_lookahead.sql ----------------------------

-- settings the triggers and the dispatcher read, as numbers
create or replace function scheduler_internal.dispatch_lookahead() returns interval
language sql stable security definer
set search_path = ''
as $$
  select coalesce((scheduler_internal.setting('dispatch_lookahead') #>> '{}')::interval, interval '10 seconds')
$$;

comment on function scheduler_internal.dispatch_lookahead() is 'The dispatch_lookahead setting.';

revoke execute on function scheduler_internal.dispatch_lookahead() from public, anon, authenticated;

grant execute on function scheduler_internal.dispatch_lookahead() to authenticated, service_role;

-- supabase/schemas/25_engine/earliest_dispatch_work.sql ------------------------

-- what the dispatcher would find to do, for the minute tick (wake it only
-- when this is not null) and the dead-man check (a dispatcher with nothing
-- to do is not silent). Every kind of work a dispatcher invocation acts on:
--  * due tasks, as claim_due_runs takes them (active, not deleted, their
--    prerequisites met: a task waiting on one is woken by the run that
--    frees it);
--  * queued runs of tasks not deleted: retries, manual and event runs,
--    debounced runs (due at their window's end), runs given back, runs
--    waiting for room (they are taken when it frees up, so they count);
--  * leases that expired (reap_expired_leases gives them back or fails
--    them): only those past p_now, since an invocation does not stay awake
--    for a lease (plan_next_look stops when nothing is due), the tick after
--    the expiry reaps it, as it always did.
-- Expiring approvals are not the dispatcher's: the tick expires them itself.
-- Each probe is one read of a partial index in due order.
create or replace function scheduler_internal.earliest_dispatch_work(p_now timestamptz, p_until timestamptz)
returns timestamptz
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql: the tables are created after this file (30_tables)
  return least(
    (select min(t.next_run_at) from scheduler_internal.due_tasks t
     where t.next_run_at <= p_until
       and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = t.task_id)
            or scheduler_internal.dependencies_satisfied(t.task_id))),
    (select min(r.scheduled_time) from scheduler.task_runs r
     where r.status = 'queued' and r.scheduled_time <= p_until
       and exists (select 1 from scheduler.tasks t where t.id = r.task_id and t.deleted_at is null)),
    (select min(r.lease_expires_at) from scheduler.task_runs r
     where r.status in ('claimed', 'running') and r.lease_expires_at < p_now)
  );
end;
$$;

comment on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) is
  'The earliest due time of the work a dispatcher invocation acts on: tasks and queued runs due by p_until, leases expired by p_now; null when there is none. The tick wakes the dispatcher only when there is some; the dead-man check counts silence only from then.';

revoke execute on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) from public, anon, authenticated;

grant execute on function scheduler_internal.earliest_dispatch_work(timestamptz, timestamptz) to service_role;

-- supabase/schemas/25_engine/edge_function_prepare.sql -------------------------

-- the edge-function action, for the runs the start gate started: each run's
-- function (still one its owner may call: the allow-list is read now, so a
-- name an admin removed stops being called) and its owner's function_secret,
-- which signs the call.
create or replace function scheduler.edge_function_prepare(p_run_ids uuid[], p_worker text)
returns table (run_id uuid, owner_id uuid, function_name text, signing_secret text, error text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  insert into scheduler_internal.signing_secrets (user_id)
  select distinct t.owner_id
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = any (p_run_ids)
  on conflict (user_id) do nothing;

  return query
  select a.id, t.owner_id, t.action_payload ->> 'function', s.function_secret,
    case
      when r.id is null or r.status <> 'running' or r.locked_by is distinct from p_worker then 'not a run ' || coalesce(p_worker, '?') || ' started'
      when t.action_type <> 'edge-function' then 'the task''s action is ' || t.action_type || ', not edge-function'
      else scheduler_internal.edge_function_error(t.action_payload ->> 'function', t.owner_id, null)
    end
  from unnest(p_run_ids) as a(id)
  left join scheduler.task_runs r on r.id = a.id
  left join scheduler.tasks t on t.id = r.task_id
  left join scheduler_internal.signing_secrets s on s.user_id = t.owner_id;
end;
$$;

comment on function scheduler.edge_function_prepare(uuid[], text) is
  'service_role (the edge-function action): per run p_worker started, the function to call, whether its owner may still call it (error, naming edge_function_allowlist), and the owner''s function_secret that signs the call.';

revoke execute on function scheduler.edge_function_prepare(uuid[], text) from public, anon, authenticated;

grant execute on function scheduler.edge_function_prepare(uuid[], text) to service_role;

-- supabase/schemas/25_engine/edge_satisfied.sql --------------------------------

-- one edge: the prerequisite's latest finished run matches the edge type
create or replace function scheduler_internal.edge_satisfied(p_prerequisite uuid, p_dependency_type text) returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce((
    select case p_dependency_type
      when 'success' then r.status = 'completed'
      when 'failure' then r.status = 'failed'
      else true
    end
    from scheduler.task_runs r
    where r.task_id = p_prerequisite and r.status in ('completed', 'failed')
    order by r.scheduled_time desc, r.attempt desc
    limit 1
  ), false)
$$;

comment on function scheduler_internal.edge_satisfied(uuid, text) is 'True when the prerequisite''s latest finished run matches the edge: success, failure, or always (either).';

revoke execute on function scheduler_internal.edge_satisfied(uuid, text) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.edge_satisfied(uuid,text) to authenticated, service_role;

-- supabase/schemas/25_engine/expire_approvals.sql ------------------------------

create or replace function scheduler.expire_approvals(p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  with expired as (
    update scheduler.approvals a set status = 'expired'
    where a.status = 'pending' and a.expires_at < p_now
    returning a.id, a.task_id, a.run_id
  ),
  closed as (
    update scheduler.task_runs r
    set status = 'cancelled', end_time = p_now, error_message = 'approval expired'
    from expired e where r.id = e.run_id and r.status = 'awaiting_approval'
    returning r.id
  ),
  notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select t.owner_id, 'Approval expired: ' || t.name, 'Nobody decided in time; the run was cancelled.', 'approval', 'normal', 'web',
      t.id, e.run_id, jsonb_build_object('approval_id', e.id)
    from expired e join scheduler.tasks t on t.id = e.task_id
    returning id
  )
  select count(*) into v_count from expired;
  return v_count;
end;
$$;

comment on function scheduler.expire_approvals(timestamptz) is 'service_role / pg_cron: expires pending approvals past expires_at, cancels their runs and notifies owners.';

revoke execute on function scheduler.expire_approvals(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.expire_approvals(timestamptz) to service_role;

-- supabase/schemas/25_engine/heartbeat_lease.sql -------------------------------

-- how long a started run's lease lasts past its worker's last heartbeat
-- (start_runs, renew_leases). Never under 10 seconds: the action functions
-- beat every 5 seconds, and a window shorter than two beats would reap runs
-- whose worker is alive (one slow beat and the run is failed as outcome
-- unknown, then sent again).
create or replace function scheduler_internal.heartbeat_lease() returns interval
language sql stable
set search_path = ''
as $$
  select greatest(
    coalesce((scheduler_internal.setting('heartbeat_lease') #>> '{}')::interval, interval '15 seconds'),
    interval '10 seconds')
$$;

comment on function scheduler_internal.heartbeat_lease() is
  'The heartbeat_lease setting (default 15 seconds), never under 10 seconds: a started run''s lease runs this long past its worker''s last heartbeat.';

revoke execute on function scheduler_internal.heartbeat_lease() from public, anon, authenticated;

grant execute on function scheduler_internal.heartbeat_lease() to service_role;

-- supabase/schemas/25_engine/invoke_dispatcher.sql -----------------------------

create or replace function scheduler_internal.invoke_dispatcher(p_reason text default 'tick') returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into v_secret from vault.decrypted_secrets where name = 'dispatcher_secret';
  if v_url is null or v_secret is null then
    raise exception 'the dispatcher cannot be called: create the Vault secrets project_url and dispatcher_secret (see README, "Deploy to hosted Supabase")'
      using errcode = '55000';
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/dispatcher',
    body := jsonb_build_object('reason', p_reason),
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_secret),
    timeout_milliseconds := coalesce((scheduler_internal.setting('dispatcher_timeout_ms'))::integer, 10000)
  );
end;
$$;

comment on function scheduler_internal.invoke_dispatcher(text) is 'POSTs to the dispatcher function with the dispatcher secret from Vault; pg_cron''s dispatch-due-tasks calls it every minute.';

revoke execute on function scheduler_internal.invoke_dispatcher(text) from public, anon, authenticated;

-- supabase/schemas/25_engine/max_run_seconds.sql -------------------------------

create or replace function scheduler_internal.max_run_seconds() returns integer
language sql stable security definer
set search_path = ''
as $$
  -- a run may reach a worker just before its half-life, wait up to the
  -- lookahead for its second, and must end before the worker is killed
  select (coalesce((scheduler_internal.setting('edge_wall_clock_seconds'))::integer, 150) / 2
          - extract(epoch from scheduler_internal.dispatch_lookahead())::integer - 5)
$$;

comment on function scheduler_internal.max_run_seconds() is 'The longest timeout_seconds the platform can honour: edge_wall_clock_seconds / 2 - dispatch_lookahead - 5 s.';

revoke execute on function scheduler_internal.max_run_seconds() from public, anon, authenticated;

grant execute on function scheduler_internal.max_run_seconds() to authenticated, service_role;

-- supabase/schemas/25_engine/mcp_server_connections.sql ------------------------

-- what an ai-prompt run needs to reach the MCP servers its payload names:
-- for each name, the task owner's own active server of that name, else an
-- active one an admin shared, with its header values read from Vault. One
-- row per name asked; error says why a name cannot be used.
create or replace function scheduler.mcp_server_connections(p_task_id uuid, p_names text[])
returns table (name text, server_id uuid, url text, headers jsonb, error text)
language sql stable
set search_path = ''
as $$
  select n.name, s.id, s.url,
    case when s.id is not null then coalesce((
      select jsonb_object_agg(h.key, d.decrypted_secret)
      from jsonb_each(s.headers) h
      join vault.decrypted_secrets d on d.id = (h.value ->> 'secret_id')::uuid
    ), '{}'::jsonb) end,
    case when t.id is null then 'the task does not exist'
      when s.id is null then 'no MCP server named "' || n.name || '" that the task''s owner may use (their own, or one an admin shared) is active'
    end
  from unnest(p_names) with ordinality as n(name, ord)
  left join scheduler.tasks t on t.id = p_task_id
  left join lateral (
    select s.* from scheduler.mcp_servers s
    where s.name = n.name and s.is_active and (s.created_by = t.owner_id or s.is_shared)
    -- the owner's own first
    order by (s.created_by = t.owner_id) desc, s.created_at
    limit 1
  ) s on true
  order by n.ord
$$;

comment on function scheduler.mcp_server_connections(uuid, text[]) is 'service_role (the ai-prompt action): the url and Vault-held headers of each MCP server a task names, as its owner may use them (own first, then shared by an admin).';

revoke execute on function scheduler.mcp_server_connections(uuid, text[]) from public, anon, authenticated;

grant execute on function scheduler.mcp_server_connections(uuid, text[]) to service_role;

-- supabase/schemas/25_engine/occurrence_flow.sql -------------------------------

-- what a task's own flow rules make of a due occurrence the claim takes:
-- null (claim it), a skip over the rate limit, or a wait under
-- max_concurrency (over it, or behind the runs already waiting). A
-- function of its own, so the claim's statement stays quick to plan; called
-- only for tasks that have a rule
create or replace function scheduler_internal.occurrence_flow(
  p_task_id uuid, p_due_at timestamptz, p_overlap_policy text, p_max_concurrency integer,
  p_rate_limit_count integer, p_rate_limit_period interval
) returns text
language sql stable
set search_path = ''
as $$
  select case
    when p_rate_limit_count is not null
         and scheduler_internal.rate_room(p_task_id, p_rate_limit_count, p_rate_limit_period, p_due_at) < 1
      then 'skipped: the rate limit of ' || p_rate_limit_count || ' starts per ' || p_rate_limit_period
        || ' was reached (rate_limit_count, rate_limit_period)'
    when p_max_concurrency is not null and p_overlap_policy = 'allow'
         and scheduler_internal.concurrency_room(p_task_id, p_max_concurrency) < 1
      then 'waiting: max_concurrency ' || p_max_concurrency || ' reached (runs of this task claimed or running)'
    -- runs waiting for room go first: the occurrence queues behind them
    when p_max_concurrency is not null and p_overlap_policy = 'allow' and exists (
           select 1 from scheduler.task_runs q
           where q.task_id = p_task_id and q.status = 'queued' and q.scheduled_time <= p_due_at)
      then 'waiting: behind the queued runs of this task (max_concurrency ' || p_max_concurrency || ')'
  end
$$;

comment on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) is 'The claim''s note for a due occurrence under its task''s rate limit or max_concurrency: skipped: …, waiting: …, or null to claim it.';

revoke execute on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) from public, anon, authenticated;

grant execute on function scheduler_internal.occurrence_flow(uuid, timestamptz, text, integer, integer, interval) to service_role;

-- supabase/schemas/25_engine/owner_rooms.sql -----------------------------------

-- the room each capped owner has left under its cap on runs in flight
-- ({owner_id: n}): its own max_in_flight, else p_owner_cap (the
-- owner_max_in_flight setting), less its runs claimed or running (one pass
-- over the open runs). The claim reads it before each of its two
-- statements, so the queued statement sees what the due one claimed.
-- Called only when some owner has a cap
create or replace function scheduler_internal.owner_rooms(p_owner_cap integer)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_object_agg(coalesce(f.owner_id, l.owner_id), coalesce(l.max_in_flight, p_owner_cap) - coalesce(f.in_flight, 0))
  from (
    select t.owner_id, count(*)::integer as in_flight
    from scheduler.task_runs o
    cross join lateral (select t.owner_id from scheduler.tasks t where t.id = o.task_id offset 0) t
    where o.status in ('claimed', 'running')
    group by t.owner_id
  ) f
  full join (select l.owner_id, l.max_in_flight from scheduler.owner_limits l where l.max_in_flight is not null) l
    on l.owner_id = f.owner_id
  where coalesce(l.max_in_flight, p_owner_cap) is not null
$$;

comment on function scheduler_internal.owner_rooms(integer) is 'The claim''s room per capped owner ({owner_id: n}): its max_in_flight or p_owner_cap (the owner_max_in_flight setting) less its runs claimed or running.';

revoke execute on function scheduler_internal.owner_rooms(integer) from public, anon, authenticated;

grant execute on function scheduler_internal.owner_rooms(integer) to service_role;

-- supabase/schemas/25_engine/pause_run_for_approval.sql ------------------------

-- an ai-prompt run whose model wants a tool that needs a person's approval
-- (or that reached a step that does: p_details.kind 'step') stops here:
-- nothing waits in a function. In one statement the run leaves
-- its worker for awaiting_approval (its lease cleared, so no reaper takes
-- it), the steps' state so far is stored on task_steps (the finished ones'
-- results, and the paused step's conversation in its execution_result),
-- what the run did so far in its output, and an approval (action_type the
-- tool, details the arguments the model chose) is requested, expiring
-- after the task's approval_ttl, with a notification to the owner.
-- decide_approval queues the run again, and the action resumes from that
-- state (run_resume_state).
create or replace function scheduler.pause_run_for_approval(
  p_run_id uuid, p_worker text, p_tool text, p_details jsonb, p_steps jsonb, p_output jsonb, p_now timestamptz default now()
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_run scheduler.task_runs;
  v_task scheduler.tasks;
  v_approval_id uuid;
begin
  if p_tool is null or p_details is null or jsonb_typeof(p_details) <> 'object' then
    raise exception 'pause_run_for_approval: p_tool and p_details (an object) are required' using errcode = '22023';
  end if;
  if p_steps is not null and jsonb_typeof(p_steps) <> 'array' then
    raise exception 'pause_run_for_approval: p_steps must be a JSON array of step results' using errcode = '22023';
  end if;
  update scheduler.task_runs r
  set status = 'awaiting_approval', output = p_output, locked_by = null, locked_at = null, lease_expires_at = null,
      wait_reason = left('waiting for approval: the model wants to call ' || p_tool, 500)
  where r.id = p_run_id and r.locked_by = p_worker and r.status = 'running'
  returning r.* into v_run;
  if v_run.id is null then
    -- no longer this worker's (cancelled, or taken back): nothing to hold
    return null;
  end if;
  select * into v_task from scheduler.tasks t where t.id = v_run.task_id;
  update scheduler.task_steps s
  set status = coalesce(st.status, s.status),
      execution_result = coalesce(st.result, '{}'::jsonb),
      execution_started_at = st.started_at,
      execution_completed_at = st.ended_at,
      error_message = st.error_message,
      retry_count = coalesce(st.retry_count, 0),
      run_id = v_run.id
  from jsonb_to_recordset(coalesce(p_steps, '[]'::jsonb)) as st(
    id uuid, status text, result jsonb, started_at timestamptz, ended_at timestamptz, error_message text, retry_count integer)
  where s.id = st.id and s.task_id = v_run.task_id;
  -- created at p_now, the clock the resume orders a run's approvals by
  insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at, created_at)
  values (v_run.task_id, v_run.id, p_tool, jsonb_build_object('kind', 'tool_call') || p_details, 'system', p_now + v_task.approval_ttl, p_now)
  returning id into v_approval_id;
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  values (v_task.owner_id, 'Approval needed: ' || v_task.name,
    left('The model in a run of "' || v_task.name || '" wants to call ' || p_tool || ' with ' || coalesce(p_details ->> 'arguments', '{}')
      || '. Approve or reject it to let the run go on.', 10000),
    'approval', 'high', 'web', v_task.id, v_run.id, jsonb_build_object('approval_id', v_approval_id, 'tool', p_tool));
  return v_approval_id;
end;
$$;

comment on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) is 'service_role (the ai-prompt action): holds a running run of p_worker in awaiting_approval before a tool call that needs approval, storing its steps'' state, and requests the approval. Null when the run is no longer the worker''s.';

revoke execute on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.pause_run_for_approval(uuid, text, text, jsonb, jsonb, jsonb, timestamptz) to service_role;

-- supabase/schemas/25_engine/plan_next_look.sql --------------------------------

-- the dispatcher, after a claim that took everything it could: registers as
-- the one looking and says when to claim next (null: stop, nothing is due
-- before p_until, or a newer invocation took over)
create or replace function scheduler.plan_next_look(p_worker text, p_now timestamptz, p_until timestamptz)
returns timestamptz
language plpgsql
set search_path = ''
as $$
declare
  v_looks scheduler_internal.dispatcher_looks;
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_retry interval := coalesce((scheduler_internal.setting('dispatch_retry_interval') #>> '{}')::interval, interval '1 second');
  v_due timestamptz;
  v_first timestamptz;
  v_ahead timestamptz;
  v_exact timestamptz;
  v_next timestamptz;
  v_left boolean;
begin
  if p_worker is null or p_now is null or p_until is null then
    raise exception 'plan_next_look: p_worker, p_now and p_until are required' using errcode = '22023';
  end if;
  -- the writers holding the row for share must have committed before the
  -- statements below take their snapshots. Never wait for them: a user's
  -- long transaction would stall the dispatcher. Look again shortly instead
  -- (nothing is planned, so nothing they wrote can be missed)
  begin
    select * into v_looks from scheduler_internal.dispatcher_looks for update nowait;
  exception when lock_not_available then
    return p_now + v_retry;
  end;
  -- a newer invocation (it stays later) is looking: this one stops. An older
  -- one finds this one at its next plan and stops likewise
  if v_looks.looker is distinct from p_worker and v_looks.awake_until > p_now and v_looks.awake_until > p_until then
    return null;
  end if;

  -- the earliest due time still to hand over. A run comes within reach a
  -- lookahead before its second, but a round hands over at least 80 % of a
  -- lookahead of due times: without that floor, runs spread over the minute
  -- were claimed one by one as each came within reach, one action call per
  -- due instant (999 invocations per 1,000 runs in bench/). And never later
  -- than a second before the run is due.
  -- A debounced event run is claimed at its second, not ahead (it gathers
  -- events until then): the look is at that second. Only the debounced runs
  -- due before the first other queued run are read past, so without
  -- debounced tasks this is one probe more.
  select min(r.scheduled_time) into v_first
  from scheduler.task_runs r
  where r.status = 'queued' and r.scheduled_time > p_now;
  select r.scheduled_time into v_ahead
  from scheduler.task_runs r
  cross join lateral (select t.debounce_window from scheduler.tasks t where t.id = r.task_id offset 0) t
  where r.status = 'queued' and r.scheduled_time > p_now
    and (t.debounce_window is null or r.triggered_by not like 'event:%')
  order by r.scheduled_time
  limit 1;
  if v_first < v_ahead or (v_first is not null and v_ahead is null) then
    v_exact := v_first;
  end if;
  -- queued runs a rate limit holds: the look is when the oldest start of
  -- their task's window leaves it (only rate-limited tasks are probed)
  v_exact := least(v_exact, (
    select min(w.frees_at)
    from (
      select distinct r.task_id, t.rate_limit_period
      from scheduler.task_runs r
      cross join lateral (
        select t.rate_limit_count, t.rate_limit_period, t.deleted_at from scheduler.tasks t where t.id = r.task_id offset 0
      ) t
      where r.status = 'queued' and r.scheduled_time <= p_now + v_lookahead
        and t.rate_limit_count is not null and t.deleted_at is null
        and scheduler_internal.rate_room(r.task_id, t.rate_limit_count, t.rate_limit_period, greatest(r.scheduled_time, p_now)) < 1
    ) q
    cross join lateral (
      select min(s.started_at) + q.rate_limit_period as frees_at
      from scheduler_internal.task_starts s
      where s.task_id = q.task_id and s.started_at > p_now - q.rate_limit_period
    ) w
  ));
  select least(
    (select min(t.next_run_at) from scheduler_internal.due_tasks t where t.next_run_at > p_now),
    v_ahead
  ) into v_due;
  v_next := least(greatest(v_due - v_lookahead, p_now + v_lookahead * 0.8), v_due - interval '1 second', v_exact);

  -- work already due that the claim left although it could run: another
  -- session held it (SKIP LOCKED); look again shortly. Work that waits for a
  -- prerequisite or for a running run is woken by the write that frees it.
  select exists (
    select 1 from scheduler_internal.due_tasks t
    where t.next_run_at <= p_now
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = t.task_id)
           or scheduler_internal.dependencies_satisfied(t.task_id))
  ) or exists (
    select 1 from scheduler.task_runs r
    cross join lateral (
      select t.overlap_policy, t.deleted_at, t.max_concurrency, t.rate_limit_count, t.rate_limit_period
      from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
    where r.status = 'queued' and r.scheduled_time <= p_now and t.deleted_at is null
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o where o.task_id = r.task_id and o.status in ('claimed', 'running')))
      -- a run its task's max_concurrency holds is woken by the run that
      -- ends (complete_runs), one a rate limit holds by the look above
      and (t.max_concurrency is null or t.overlap_policy <> 'allow'
           or scheduler_internal.concurrency_room(r.task_id, t.max_concurrency) > 0)
      and (t.rate_limit_count is null
           or scheduler_internal.rate_room(r.task_id, t.rate_limit_count, t.rate_limit_period, p_now) > 0)
  ) into v_left;
  if v_left then
    v_next := least(v_next, p_now + v_retry);
  end if;

  if v_next is null or v_next > p_until then
    update scheduler_internal.dispatcher_looks
    set looker = null, awake_until = null, next_look_at = null, planned_at = p_now
    where looker is null or looker = p_worker or awake_until <= p_now;
    return null;
  end if;
  v_next := greatest(v_next, p_now);
  update scheduler_internal.dispatcher_looks
  set looker = p_worker, awake_until = p_until, next_look_at = v_next, planned_at = p_now;
  return v_next;
end;
$$;

comment on function scheduler.plan_next_look(text, timestamptz, timestamptz) is
  'service_role (dispatcher): registers the caller as the invocation looking for due work until p_until and returns when it should claim next; null means stop.';

revoke execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) to service_role;

-- supabase/schemas/25_engine/queue_fits.sql ------------------------------------

-- whether a queued run of a task with a max_concurrency or a rate limit may
-- be taken now: fewer of the task's queued runs are ahead of it than the
-- task has room for (less p_picked, what the same claim already took of
-- the task). A function of its own, so the claim's statement stays quick to
-- plan; called only for tasks that have a rule
create or replace function scheduler_internal.queue_fits(
  p_task_id uuid, p_run_id uuid, p_scheduled_time timestamptz, p_at timestamptz, p_overlap_policy text,
  p_max_concurrency integer, p_rate_limit_count integer, p_rate_limit_period interval, p_picked integer
) returns boolean
language sql stable
set search_path = ''
as $$
  select case when p_overlap_policy = 'allow'
           then scheduler_internal.queue_position(p_task_id, p_scheduled_time, p_run_id, x.room) else 0 end < x.room
  from (
    select coalesce(least(
        case when p_max_concurrency is not null and p_overlap_policy = 'allow'
          then scheduler_internal.concurrency_room(p_task_id, p_max_concurrency) end,
        case when p_rate_limit_count is not null
          then scheduler_internal.rate_room(p_task_id, p_rate_limit_count, p_rate_limit_period, p_at) end
      ), 2147483647) - coalesce(p_picked, 0) as room
  ) x
$$;

comment on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) is 'Whether a queued run fits its task''s max_concurrency and rate limit now (the runs ahead of it against the room left).';

revoke execute on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.queue_fits(uuid, uuid, timestamptz, timestamptz, text, integer, integer, interval, integer) to service_role;

-- supabase/schemas/25_engine/queue_position.sql --------------------------------

-- how many queued runs of a task are ahead of one (due first, then by id),
-- counted no further than p_bound: a run is taken only when fewer than the
-- task's room are ahead, so the count never needs to go past the room (and
-- with no room, nothing is read). The task's queue comes from the open-runs
-- index; a wider index in due order would cost every run an 8-byte-wider
-- entry (4 % more WAL in bench/'s burst) for a feature few tasks use
create or replace function scheduler_internal.queue_position(
  p_task_id uuid, p_scheduled_time timestamptz, p_run_id uuid, p_bound integer
) returns integer
language sql stable
set search_path = ''
as $$
  select count(*)::integer from (
    select 1 from scheduler.task_runs q
    where q.task_id = p_task_id and q.status = 'queued'
      and q.scheduled_time <= p_scheduled_time and (q.scheduled_time, q.id) < (p_scheduled_time, p_run_id)
    limit greatest(p_bound, 0)
  ) a
$$;

comment on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) is 'The queued runs of a task ahead of the given one, up to p_bound.';

revoke execute on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) from public, anon, authenticated;

grant execute on function scheduler_internal.queue_position(uuid, timestamptz, uuid, integer) to service_role;

-- supabase/schemas/25_engine/rate_room.sql -------------------------------------

-- how many more runs of a rate-limited task may start at p_at: the limit
-- less its starts within the window before p_at (the log the start gate
-- keeps, counted no further than the limit) and less its runs claimed and
-- not started yet (each will be a start). Called only for tasks that have
-- a rate limit
create or replace function scheduler_internal.rate_room(
  p_task_id uuid, p_rate_limit_count integer, p_rate_limit_period interval, p_at timestamptz
) returns integer
language sql stable
set search_path = ''
as $$
  select p_rate_limit_count
    - (select count(*)::integer from (
        select 1 from scheduler_internal.task_starts s
        where s.task_id = p_task_id and s.started_at > p_at - p_rate_limit_period
        limit p_rate_limit_count) w)
    - (select count(*)::integer from scheduler.task_runs o where o.task_id = p_task_id and o.status = 'claimed')
$$;

comment on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) is 'rate_limit_count less the task''s starts in the rate_limit_period before p_at and its claimed runs (0 or less: the window is full).';

revoke execute on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) from public, anon, authenticated;

grant execute on function scheduler_internal.rate_room(uuid, integer, interval, timestamptz) to service_role;

-- supabase/schemas/25_engine/reap_expired_leases.sql ---------------------------

-- leases: a claimed run nobody started was never sent and is given back; a
-- started run whose worker went quiet has an unknown outcome
create or replace function scheduler.reap_expired_leases(p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_results jsonb;
begin
  return query
  with given_back as (
    update scheduler.task_runs r
    set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
    where r.id = any (array(
      select c.id from scheduler.task_runs c
      where c.status = 'claimed' and c.lease_expires_at < p_now
      order by c.lease_expires_at
      limit 1000
      for update skip locked))
    returning r.id
  )
  select g.id, 'given back: claimed but never started, nothing was sent'::text, null::uuid from given_back g;

  select jsonb_agg(jsonb_build_object(
    'run_id', r.id, 'status', 'failed', 'retryable', true,
    'error_message', case when r.action_type = 'sql'
      -- the sql action commits the call and its completion in one
      -- transaction: a run still running has no committed call
      then 'not committed: the sql call of the run started at ' || r.start_time || ' ended without recording (its worker '
        || coalesce(r.locked_by, '?') || ' went quiet before its lease expired at ' || r.lease_expires_at
        || '); the call commits only together with its result, so it took no effect; retried under the same idempotency key ('
        || coalesce(r.idempotency_key, r.id::text) || ')'
      else 'outcome unknown: the run started at ' || r.start_time || ' and its worker (' || coalesce(r.locked_by, '?')
      || ') reported nothing before its lease expired at ' || r.lease_expires_at
      || '; a retry is sent with the same idempotency key (' || coalesce(r.idempotency_key, r.id::text) || ')' end
  ))
  into v_results
  from (
    select id, start_time, lease_expires_at, locked_by, idempotency_key,
      (select t.action_type from scheduler.tasks t where t.id = task_id) as action_type
    from scheduler.task_runs
    where status = 'running' and lease_expires_at < p_now
    order by lease_expires_at
    limit 1000
    for update skip locked
  ) r;
  if v_results is null then
    return;
  end if;
  return query select * from scheduler.complete_runs(v_results, p_now);
end;
$$;

comment on function scheduler.reap_expired_leases(timestamptz) is
  'service_role: gives back claimed runs nobody started (nothing was sent), and fails started runs whose lease expired as outcome unknown, retried per policy under the same idempotency key. No run stays claimed or running forever.';

revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;

revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;

-- supabase/schemas/25_engine/record_inbound_event.sql --------------------------

-- the inbound-events function records a verified delivery: its webhook-id
-- is the event's idempotency_key, so a delivery sent again inside
-- idempotency_window collapses to the event recorded the first time
-- (duplicate true) and starts nothing. One mechanism for every event's key:
-- the events trigger takes it in the owner's scope (a hand-written insert
-- with the same key collapses the same way), and concurrent copies wait on
-- the first one's key. A definer: it records for the owner the signature
-- names, and reads which event holds the key.
create or replace function scheduler.record_inbound_event(p_user_id uuid, p_webhook_id text, p_event_type text, p_payload jsonb)
returns table (event_id uuid, duplicate boolean)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_id uuid := scheduler_internal.uuid_v7();
  v_existing uuid;
begin
  if p_user_id is null or p_webhook_id is null or length(p_webhook_id) not between 1 and 255 then
    raise exception 'record_inbound_event: a user and a webhook-id of 1 to 255 characters are required' using errcode = '22023';
  end if;
  -- the key's trigger drops a repeat before it exists: no row, nothing started
  insert into scheduler.events (id, event_type, payload, user_id, idempotency_key)
  values (v_id, p_event_type, p_payload, p_user_id, p_webhook_id);
  if found then
    return query select v_id, false;
    return;
  end if;
  select k.event_id into v_existing from scheduler_internal.idempotency_keys k
  where k.scope = 'events' and k.scope_id = p_user_id and k.key = p_webhook_id;
  return query select v_existing, true;
end;
$$;

comment on function scheduler.record_inbound_event(uuid, text, text, jsonb) is
  'service_role (the inbound-events function): records an event for p_user_id with the webhook-id as its idempotency_key; the same webhook-id again within the idempotency_window setting returns the existing event with duplicate = true.';

revoke execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) from public, anon, authenticated;

grant execute on function scheduler.record_inbound_event(uuid, text, text, jsonb) to service_role;

-- supabase/schemas/25_engine/record_mcp_health.sql -----------------------------

-- the health check's results: a server that listed its tools is active,
-- with them as its capabilities and now as its heartbeat; one that failed
-- is in error with the reason, keeping what it listed last.
create or replace function scheduler.record_mcp_health(p_checks jsonb, p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  if p_checks is null or jsonb_typeof(p_checks) <> 'array' then
    raise exception 'record_mcp_health: p_checks must be a JSON array of {server_id, ok, tools, error}' using errcode = '22023';
  end if;
  update scheduler.mcp_servers s
  set status = case when c.ok then 'active' else 'error' end,
      last_heartbeat = case when c.ok then p_now else s.last_heartbeat end,
      last_error = case when c.ok then null else left(coalesce(c.error, 'failed without a message'), 2000) end,
      capabilities = case when c.ok then coalesce(c.tools, '[]'::jsonb) else s.capabilities end
  from jsonb_to_recordset(p_checks) as c(server_id uuid, ok boolean, tools jsonb, error text)
  where s.id = c.server_id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function scheduler.record_mcp_health(jsonb, timestamptz) is 'service_role (the ai-prompt action, on each use of a server): records status, last_heartbeat, last_error and capabilities of MCP servers.';

revoke execute on function scheduler.record_mcp_health(jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_mcp_health(jsonb, timestamptz) to service_role;

-- supabase/schemas/25_engine/record_watcher_error.sql --------------------------

-- A watcher's failed poll (unreachable or refused URL, an error status, an
-- answer over max_response_bytes, items or a key that match nothing ...):
-- the error and the streak are kept on the watcher, and the next poll backs
-- off like a retry (the task's retry_backoff_seconds doubled per error in a
-- row, capped by retry_backoff_max_seconds). After pause_after_errors in a
-- row the watcher pauses itself (the task's is_active) and tells its owner
-- once, with the last error. Nothing a poll did before is touched: the
-- seen-set and the cursor stay as the last good poll left them.
create function scheduler.record_watcher_error(p_run_id uuid, p_worker text, p_error text, p_now timestamptz default now())
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_task record;
  v_error text := left(coalesce(nullif(p_error, ''), 'the poll failed without a message'), 2000);
  v_pause_after integer;
  v_count integer;
  v_delay bigint;
  v_next timestamptz;
begin
  select t.id, t.name, t.owner_id, t.action_type, t.action_payload, t.retry_backoff_seconds, t.retry_backoff_max_seconds into v_task
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id and r.status = 'running' and r.locked_by = p_worker;
  if not found then
    raise exception 'record_watcher_error: run % is not running for worker % (finished, cancelled or taken back); nothing was recorded', p_run_id, p_worker
      using errcode = '55000';
  end if;
  if v_task.action_type <> 'watch' then
    raise exception 'record_watcher_error: run % belongs to a % task, not a watcher', p_run_id, v_task.action_type using errcode = '22023';
  end if;
  v_pause_after := coalesce((v_task.action_payload ->> 'pause_after_errors')::integer, 5);

  update scheduler.watchers w
  set last_run = p_now, last_error = v_error, error_count = w.error_count + 1
  where w.task_id = v_task.id
  returning w.error_count into v_count;
  if v_count is null then
    raise exception 'record_watcher_error: task % has no watchers row', v_task.id using errcode = '55000';
  end if;

  if v_count >= v_pause_after then
    update scheduler.tasks t set is_active = false where t.id = v_task.id and t.is_active;
    update scheduler.watchers w set paused_at = p_now where w.task_id = v_task.id;
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    values (v_task.owner_id, 'Watcher paused: ' || v_task.name,
      'Its last ' || v_count || ' polls failed (pause_after_errors ' || v_pause_after || '), the last with: ' || left(v_error, 500)
        || '. It polls again once you resume it (is_active = true).',
      'error', 'high', 'web', v_task.id, p_run_id,
      jsonb_build_object('error_count', v_count, 'last_error', v_error));
    return jsonb_build_object('error_count', v_count, 'pause_after_errors', v_pause_after, 'paused', true);
  end if;

  -- back off: the next poll no sooner than the delay a retry would wait
  v_delay := least(v_task.retry_backoff_seconds * power(2::numeric, v_count - 1), v_task.retry_backoff_max_seconds)::bigint;
  update scheduler.tasks t
  set next_run_at = greatest(t.next_run_at, p_now + make_interval(secs => v_delay::double precision))
  where t.id = v_task.id and t.next_run_at is not null
  returning t.next_run_at into v_next;
  return jsonb_build_object('error_count', v_count, 'pause_after_errors', v_pause_after, 'paused', false,
    'backoff_seconds', v_delay, 'next_poll_at', v_next);
end;
$$;

comment on function scheduler.record_watcher_error(uuid, text, text, timestamptz) is
  'service_role (the watch action): records a watcher''s failed poll: last_error, error_count + 1, the next poll backed off by the task''s retry backoff; after pause_after_errors in a row, pauses the task and notifies its owner. Returns the streak for the run''s log_summary.';

revoke execute on function scheduler.record_watcher_error(uuid, text, text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_watcher_error(uuid, text, text, timestamptz) to service_role;

-- supabase/schemas/25_engine/record_watcher_poll.sql ---------------------------

-- A watcher's successful poll, in one transaction: the watch action hands
-- over every item it picked out of the answer, in the answer's order, each
-- with its dedupe key (and cursor value); this dedupes them against the
-- seen-set and the high-water mark, inserts one event per new item in order
-- (up to max_events_per_poll; the rest stay new for the next poll), remembers
-- what it emitted, moves the cursor, clears the error streak and prunes the
-- seen-set to its bounds. A crash before the commit leaves nothing done (the
-- next poll finds the same items new); after it, the items are seen, so a
-- poll that is repeated (a retry of a run whose outcome was unknown) emits
-- nothing twice. Only the worker running the poll can record it.
create function scheduler.record_watcher_poll(p_run_id uuid, p_worker text, p_items jsonb, p_now timestamptz default now())
returns jsonb
language plpgsql
set search_path = ''
set jit = off
as $$
declare
  v_task record;
  v_watcher record;
  v_payload jsonb;
  v_cap integer;
  v_limit integer;
  v_age interval;
  v_first boolean;
  v_seeding boolean;
  -- one instant for the events' ids, so they sort in the items' order: the
  -- poll's own, so the events of one watcher's polls sort in poll order too
  -- (two polls in one millisecond of the clock would sort at random)
  v_at timestamptz := p_now;
  v_keys text[];
  v_summary jsonb;
  v_mark jsonb;
  v_key text;
  v_changed boolean;
  v_event uuid;
  v_forgotten integer := 0;
  v_n integer;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'record_watcher_poll: p_items must be a JSON array of {key, item, cursor}' using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_items) e
    where jsonb_typeof(e) <> 'object' or jsonb_typeof(e -> 'key') is distinct from 'string' or length(e ->> 'key') > 512
  ) then
    raise exception 'record_watcher_poll: every item needs a key, a string of at most 512 characters' using errcode = '22023';
  end if;

  -- a poll whose run is no longer running for this worker (reaped as
  -- outcome unknown, cancelled) records nothing: its retry polls again.
  -- Once a run leaves running it never returns to it, so no lock is needed
  select t.id, t.name, t.owner_id, t.project_id, t.action_type, t.action_payload into v_task
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id and r.status = 'running' and r.locked_by = p_worker;
  if not found then
    raise exception 'record_watcher_poll: run % is not running for worker % (finished, cancelled or taken back); nothing was recorded', p_run_id, p_worker
      using errcode = '55000';
  end if;
  if v_task.action_type <> 'watch' then
    raise exception 'record_watcher_poll: run % belongs to a % task, not a watcher', p_run_id, v_task.action_type using errcode = '22023';
  end if;
  -- one poll of a watcher at a time: another waits here, then sees what this one remembered
  select w.* into v_watcher from scheduler.watchers w where w.task_id = v_task.id for update;
  if not found then
    raise exception 'record_watcher_poll: task % has no watchers row', v_task.id using errcode = '55000';
  end if;

  v_payload := v_task.action_payload;
  v_cap := coalesce((v_payload ->> 'max_events_per_poll')::integer, 100);
  v_limit := coalesce((v_payload ->> 'seen_limit')::integer, 10000);
  v_age := make_interval(days => coalesce((v_payload ->> 'seen_max_age_days')::integer, 30));
  v_first := v_watcher.last_success_at is null;
  v_seeding := v_first and coalesce((v_payload ->> 'seed_first_poll')::boolean, true);

  -- mode hash: one item, the answer's hash; it is new when it differs from the last
  if coalesce(v_payload ->> 'mode', 'items') = 'hash' then
    if jsonb_array_length(p_items) <> 1 then
      raise exception 'record_watcher_poll: mode hash takes exactly one item (the answer''s hash), got %', jsonb_array_length(p_items)
        using errcode = '22023';
    end if;
    v_key := p_items -> 0 ->> 'key';
    v_changed := v_watcher.cursor is distinct from to_jsonb(v_key);
    if v_changed and not v_seeding then
      insert into scheduler.events (id, event_type, payload, project_id, task_id, user_id)
      values (scheduler_internal.uuid_v7_seq(v_at, 1), v_task.name,
        jsonb_build_object('key', v_key, 'item',
          case when jsonb_typeof(p_items -> 0 -> 'item') = 'object' then p_items -> 0 -> 'item' else '{}'::jsonb end
          || jsonb_build_object('hash', v_key, 'previous_hash', v_watcher.cursor)),
        v_task.project_id, v_task.id, v_task.owner_id)
      returning id into v_event;
    end if;
    update scheduler.watchers w
    set last_run = p_now, last_success_at = p_now, error_count = 0, cursor = to_jsonb(v_key)
    where w.task_id = v_task.id;
    return jsonb_build_object(
      'mode', 'hash', 'items_seen', 1, 'new', v_changed::integer, 'emitted', (v_event is not null)::integer,
      'seeded', (v_changed and v_seeding)::integer, 'first_poll', v_first, 'changed', v_changed,
      'hash', v_key, 'previous_hash', v_watcher.cursor, 'event_id', v_event);
  end if;

  v_keys := array(select distinct e ->> 'key' from jsonb_array_elements(p_items) e);
  if cardinality(v_keys) > v_limit then
    raise exception 'the answer lists % items, more than seen_limit (%): items still listed would be forgotten and emitted again; raise seen_limit or pick fewer items', cardinality(v_keys), v_limit
      using errcode = '22023';
  end if;

  with incoming as (
    select e ->> 'key' as key, e -> 'item' as item, e -> 'cursor' as cur, x.n
    from jsonb_array_elements(p_items) with ordinality as x(e, n)
  ),
  -- a key listed twice is one item: its first listing counts
  firsts as (
    select distinct on (i.key) i.* from incoming i order by i.key, i.n
  ),
  judged as (
    select f.*,
      exists (select 1 from scheduler.watcher_seen_items s where s.task_id = v_task.id and s.dedupe_key = f.key) as seen,
      -- below the high-water mark is old, even when the seen-set has forgotten it
      coalesce(case
        when jsonb_typeof(f.cur) = 'number' and jsonb_typeof(v_watcher.cursor) = 'number'
          then (f.cur #>> '{}')::numeric < (v_watcher.cursor #>> '{}')::numeric
        when jsonb_typeof(f.cur) = 'string' and jsonb_typeof(v_watcher.cursor) = 'string'
          then (f.cur #>> '{}') collate "C" < (v_watcher.cursor #>> '{}') collate "C"
      end, false) as below_mark
    from firsts f
  ),
  -- new items in order: by cursor when there is one (oldest first), then as listed
  fresh as (
    select j.*, row_number() over (
      order by case when jsonb_typeof(j.cur) = 'number' then (j.cur #>> '{}')::numeric end,
        case when jsonb_typeof(j.cur) = 'string' then (j.cur #>> '{}') collate "C" end,
        j.n) as pos
    from judged j
    where not j.seen and not j.below_mark
  ),
  emitted as (
    insert into scheduler.events (id, event_type, payload, project_id, task_id, user_id)
    select scheduler_internal.uuid_v7_seq(v_at, f.pos), v_task.name, jsonb_build_object('key', f.key, 'item', f.item),
      v_task.project_id, v_task.id, v_task.owner_id
    from fresh f
    where not v_seeding and f.pos <= v_cap
    order by f.pos
    returning id, payload ->> 'key' as key
  ),
  -- what was emitted (or, seeding, every new item) is seen; what the cap
  -- held back stays new
  remembered as (
    insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at, event_id)
    select v_task.id, f.key, p_now, p_now, e.id
    from fresh f
    left join emitted e on e.key = f.key
    where v_seeding or f.pos <= v_cap
    on conflict (task_id, dedupe_key) do nothing
    returning 1
  ),
  -- still listed: not forgotten for its age (at most one write an hour per key)
  refreshed as (
    update scheduler.watcher_seen_items s
    set last_seen_at = p_now
    from judged j
    where j.seen and s.task_id = v_task.id and s.dedupe_key = j.key and s.last_seen_at < p_now - interval '1 hour'
    returning 1
  )
  select
    jsonb_build_object(
      'mode', 'items',
      'items_seen', (select count(*) from incoming),
      'duplicates', (select count(*) from incoming) - (select count(*) from firsts),
      'already_seen', (select count(*) from judged j where j.seen),
      'below_cursor', (select count(*) from judged j where not j.seen and j.below_mark),
      'new', (select count(*) from fresh),
      'emitted', (select count(*) from emitted),
      'seeded', case when v_seeding then (select count(*) from remembered) else 0 end,
      'capped', not v_seeding and (select count(*) from fresh) > v_cap,
      'left_for_next_poll', case when v_seeding then 0 else greatest((select count(*) from fresh) - v_cap, 0) end,
      'max_events_per_poll', v_cap,
      'first_poll', v_first),
    -- fresh items are at or above the mark, and in cursor order: the last one remembered is the new mark
    (select f.cur from fresh f where v_seeding or f.pos <= v_cap order by f.pos desc limit 1)
  into v_summary, v_mark;

  update scheduler.watchers w
  set last_run = p_now, last_success_at = p_now, error_count = 0,
      cursor = case when jsonb_typeof(v_mark) in ('number', 'string') then v_mark else w.cursor end
  where w.task_id = v_task.id
  returning w.cursor into v_mark;

  -- the seen-set's bounds: keys not listed for seen_max_age_days, then, when
  -- it grew, the least recently seen beyond seen_limit (never one listed now)
  delete from scheduler.watcher_seen_items s where s.task_id = v_task.id and s.last_seen_at < p_now - v_age;
  get diagnostics v_forgotten = row_count;
  if (v_summary ->> 'emitted')::integer + (v_summary ->> 'seeded')::integer > 0 then
    delete from scheduler.watcher_seen_items s
    where s.task_id = v_task.id and s.dedupe_key in (
      select o.dedupe_key from scheduler.watcher_seen_items o
      where o.task_id = v_task.id and not exists (select 1 from unnest(v_keys) k(key) where k.key = o.dedupe_key)
      order by o.last_seen_at desc, o.dedupe_key desc
      offset greatest(v_limit - cardinality(v_keys), 0));
    get diagnostics v_n = row_count;
    v_forgotten := v_forgotten + v_n;
  end if;

  return v_summary || jsonb_build_object('forgotten', v_forgotten, 'cursor', v_mark);
end;
$$;

comment on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) is
  'service_role (the watch action): records a watcher''s successful poll in one transaction. p_items is every item picked out of the answer, in order, as {key, item, cursor}. Dedupes them against the seen-set and the cursor, inserts one event per new item in order (event_type the task''s name, owner the task''s owner) up to max_events_per_poll, or only remembers them on a first poll with seed_first_poll; moves the cursor, clears the error streak, prunes the seen-set. Returns the counts for the run''s log_summary.';

revoke execute on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) to service_role;

-- supabase/schemas/25_engine/release_runs.sql ----------------------------------

-- an action function definitely refused the runs: back to the queue at once
create or replace function scheduler.release_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  update scheduler.task_runs r
  set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
  where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function scheduler.release_runs(uuid[], text, timestamptz) is
  'service_role (dispatcher): gives claimed runs back to the queue when their action function refused them; nothing was sent.';

revoke execute on function scheduler.release_runs(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.release_runs(uuid[], text, timestamptz) to service_role;

-- supabase/schemas/25_engine/renew_leases.sql ----------------------------------

-- the heartbeat: an action function renews the leases of the runs it is
-- executing every few seconds (_shared/action-runner.ts). A started run's
-- lease then runs heartbeat_lease past its worker's last sign of life, so a
-- worker that died is found out (reap_expired_leases) that long after it
-- went quiet, whatever the run's timeout_seconds. The lease never passes
-- start_time + timeout_seconds + lease_margin: a worker that keeps beating
-- past its own timeout is not trusted to end the run.
create or replace function scheduler.renew_leases(p_run_ids uuid[], p_worker text, p_now timestamptz)
returns table (run_id uuid, lease_expires_at timestamptz)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '15 seconds');
  v_window interval := scheduler_internal.heartbeat_lease();
begin
  if p_run_ids is null or p_worker is null or p_now is null then
    raise exception 'renew_leases: p_run_ids, p_worker and p_now are required' using errcode = '22023';
  end if;
  -- only this worker's running runs: a claimed run has not started (its
  -- lease is start_grace), a final or reaped one is no longer its. A lease
  -- is never shortened (a late beat with an old p_now changes nothing).
  return query
  update scheduler.task_runs r
  set lease_expires_at = greatest(r.lease_expires_at, least(
        r.start_time + make_interval(secs => t.timeout_seconds) + v_margin,
        p_now + v_window))
  from scheduler.tasks t
  where r.id = any (p_run_ids) and r.status = 'running' and r.locked_by = p_worker
    and t.id = r.task_id
  returning r.id, r.lease_expires_at;
end;
$$;

comment on function scheduler.renew_leases(uuid[], text, timestamptz) is
  'service_role (action functions): the heartbeat. Extends the lease of each running run of p_worker to p_now + heartbeat_lease, never past start_time + timeout_seconds + lease_margin; returns the runs renewed and their leases (a run missing from the answer is no longer this worker''s).';

revoke execute on function scheduler.renew_leases(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.renew_leases(uuid[], text, timestamptz) to service_role;

-- supabase/schemas/25_engine/request_dispatch.sql ------------------------------

-- a write has made work due at p_due: wake a dispatcher unless one will look
-- in time (a second before it, at the latest).
create or replace function scheduler_internal.request_dispatch(p_due timestamptz, p_reason text default 'immediate')
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
  v_looks scheduler_internal.dispatcher_looks;
  v_sent boolean;
begin
  -- the tick after next looks in time, whenever this transaction commits
  if p_due is null or p_due >= date_trunc('minute', v_now) + interval '2 minutes' then
    return false;
  end if;
  -- held until commit: a dispatcher cannot plan its next look while this
  -- transaction is open (it looks again shortly instead), so whoever plans
  -- next sees this work
  select * into v_looks from scheduler_internal.dispatcher_looks for share;
  -- a looker that is late for its own look by more than a moment has died
  -- (a killed worker never clears the row): it is not trusted to look
  -- in time means a second ahead: the look hands the run over to its
  -- action, which must have it before its second
  if v_looks.awake_until > v_now and v_looks.next_look_at <= p_due - interval '1 second'
     and v_looks.next_look_at >= v_now - interval '2 seconds' then
    return false;
  end if;
  -- the next minute's tick claims it in time: its plan comes after this commit
  if p_due >= date_trunc('minute', v_now) + interval '1 minute' then
    return false;
  end if;
  -- debounce: a wake sent since the last plan brings a dispatcher whose plan
  -- will see this work too. A wake recorded more than 10 s after this
  -- clock's now is no such wake: it was written on a clock ahead of this one
  -- (a transaction that pinned scheduler.now ahead and committed, or a clock
  -- set back), and trusting it would silence every wake until real time
  -- caught up with it. (A few seconds ahead is only a writer whose
  -- transaction began after this one's: its wake counts.)
  update scheduler_internal.dispatcher_wakes w
  set last_wake_at = v_now, last_reason = p_reason, wakes = w.wakes + 1
  where w.last_wake_at is null
     or w.last_wake_at <= coalesce(v_looks.planned_at, '-infinity')
     or w.last_wake_at < v_now - interval '10 seconds'
     or w.last_wake_at > v_now + interval '10 seconds'
  returning true into v_sent;
  if v_sent then
    perform scheduler_internal.wake_dispatcher(p_reason);
  end if;
  return coalesce(v_sent, false);
end;
$$;

comment on function scheduler_internal.request_dispatch(timestamptz, text) is
  'Wakes a dispatcher through pg_net when work falls due at p_due and no dispatcher will look by then; at most one wake until a dispatcher has planned (debounce).';

revoke execute on function scheduler_internal.request_dispatch(timestamptz, text) from public, anon, authenticated;

grant execute on function scheduler_internal.request_dispatch(timestamptz, text) to service_role;

-- supabase/schemas/25_engine/retry_delay.sql -----------------------------------

create or replace function scheduler_internal.retry_delay(
  p_run_id uuid, p_attempt integer, p_base_seconds integer, p_max_seconds integer
) returns interval
language sql immutable
set search_path = ''
as $$
  -- base * 2^(attempt-1), capped, plus up to 20% jitter derived from the run id
  -- (deterministic, so tests can compute its bounds)
  select make_interval(secs =>
    least(p_base_seconds * power(2, least(p_attempt - 1, 30)), p_max_seconds)
    * (1 + 0.2 * ((('x' || substr(md5(p_run_id::text), 1, 8))::bit(32)::bigint & 1023) / 1023.0))
  )
$$;

comment on function scheduler_internal.retry_delay(uuid, integer, integer, integer) is 'Backoff before the next attempt: exponential, capped, with deterministic jitter of up to 20%.';

revoke execute on function scheduler_internal.retry_delay(uuid, integer, integer, integer) from public, anon;

-- called inside the triggers and functions signed-in users run
grant execute on function scheduler_internal.retry_delay(uuid,integer,integer,integer) to authenticated, service_role;

-- supabase/schemas/25_engine/run_resume_state.sql ------------------------------

-- what a run paused before a tool call (or a step) resumes from: the latest
-- such approval of the run (with its decision), the run's output stored at the
-- pause, and the steps whose stored state is this run's. Null when the run
-- never paused.
create or replace function scheduler.run_resume_state(p_run_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'approval', jsonb_build_object('id', a.id, 'status', a.status, 'action_type', a.action_type, 'details', a.details, 'notes', a.notes),
    'output', r.output,
    'steps', coalesce((
      select jsonb_agg(jsonb_build_object('id', s.id, 'status', s.status, 'result', s.execution_result,
        'started_at', s.execution_started_at, 'ended_at', s.execution_completed_at, 'retry_count', s.retry_count) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id and s.run_id = r.id), '[]'::jsonb))
  from scheduler.task_runs r
  cross join lateral (
    select a.* from scheduler.approvals a
    where a.run_id = r.id and a.details ->> 'kind' in ('tool_call', 'step')
    order by a.created_at desc, a.id desc
    limit 1
  ) a
  where r.id = p_run_id
$$;

comment on function scheduler.run_resume_state(uuid) is 'service_role (the ai-prompt action): the latest tool-call approval of a run, its stored output and its steps'' stored state; null when it never paused.';

revoke execute on function scheduler.run_resume_state(uuid) from public, anon, authenticated;

grant execute on function scheduler.run_resume_state(uuid) to service_role;

-- supabase/schemas/25_engine/scheduler_tick.sql --------------------------------

create or replace function scheduler_internal.scheduler_tick(p_now timestamptz default now()) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb := '{}';
  v_request_id bigint;
  v_work timestamptz;
begin
  -- each step runs in its own subtransaction: a failure undoes that step
  -- only, is reported, and the next step runs
  begin
    v_result := v_result || jsonb_build_object('expire_approvals', scheduler.expire_approvals(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('expire_approvals',
      scheduler_internal.log_failure('scheduler_tick', 'expire_approvals', sqlstate, sqlerrm));
  end;

  begin
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat', scheduler.check_dispatcher_heartbeat(p_now));
  exception when others then
    v_result := v_result || jsonb_build_object('check_dispatcher_heartbeat',
      scheduler_internal.log_failure('scheduler_tick', 'check_dispatcher_heartbeat', sqlstate, sqlerrm));
  end;

  -- last, so nothing above can keep the dispatcher asleep. Only when
  -- there is work before the next tick's invocation can claim it (a minute,
  -- plus the lookahead it claims ahead): writes of nearer work wake a
  -- dispatcher themselves (request_dispatch), later work is the next tick's.
  -- An idle project invokes nothing (bench/RESULTS.md, idle cost per day)
  begin
    begin
      v_work := scheduler_internal.earliest_dispatch_work(p_now, p_now + interval '1 minute' + scheduler_internal.dispatch_lookahead());
    exception when others then
      -- it cannot tell (say, a broken dispatch_lookahead setting): wake the
      -- dispatcher, as every tick did before, and report why
      v_result := v_result || jsonb_build_object('earliest_dispatch_work',
        scheduler_internal.log_failure('scheduler_tick', 'earliest_dispatch_work', sqlstate, sqlerrm));
      v_work := p_now;
    end;
    if v_work is not null then
      v_request_id := scheduler_internal.invoke_dispatcher('tick');
    end if;
    if v_request_id is not null then
      -- an id seen before means pg_net was reinstalled: the new request owns it
      insert into scheduler_internal.dispatcher_requests (request_id) values (v_request_id)
      on conflict (request_id) do update set created_at = excluded.created_at;
    end if;
    -- null: nothing to do, nobody woken
    v_result := v_result || jsonb_build_object('invoke_dispatcher', v_request_id);
  exception when others then
    v_result := v_result || jsonb_build_object('invoke_dispatcher',
      scheduler_internal.log_failure('scheduler_tick', 'invoke_dispatcher', sqlstate, sqlerrm));
  end;
  return v_result;
end;
$$;

comment on function scheduler_internal.scheduler_tick(timestamptz) is 'pg_cron job scheduler-tick, every minute: expires approvals, runs the dead-man check, then wakes the dispatcher through pg_net (recording the request id) when it has work before the next tick plus the lookahead (earliest_dispatch_work; otherwise invoke_dispatcher is null). Each step is isolated: a failing one is reported (warning + system_logs) and the others still run. Returns what each step returned or its error.';

revoke execute on function scheduler_internal.scheduler_tick(timestamptz) from public, anon, authenticated, service_role;

-- supabase/schemas/25_engine/skip_fold_target.sql ------------------------------

-- the run a new skip folds into: the task's latest finished run, when it is
-- a skip with the same reason (a run of skips in a row is one row)
create or replace function scheduler_internal.skip_fold_target(p_task_id uuid, p_message text)
returns uuid
language sql stable
set search_path = ''
as $$
  select p.id from (
    select r.id, r.status, r.error_message from scheduler.task_runs r
    where r.task_id = p_task_id and r.status not in ('queued', 'awaiting_approval', 'claimed')
    order by r.scheduled_time desc, r.id desc
    limit 1
  ) p
  where p.status = 'skipped' and p.error_message = p_message
$$;

comment on function scheduler_internal.skip_fold_target(uuid, text) is 'The task''s latest finished run when it is a skip with this message (the claim counts a further such skip on it), else null.';

revoke execute on function scheduler_internal.skip_fold_target(uuid, text) from public, anon, authenticated;

grant execute on function scheduler_internal.skip_fold_target(uuid, text) to service_role;

-- supabase/schemas/25_engine/sql_action_prepare.sql ----------------------------

-- the sql action, for one run the start gate started: the statement that
-- calls the task's function and the identity it runs with. The action runs
-- it in a transaction of its own, after set_config of role, request.jwt.claims,
-- search_path and statement_timeout (as PostgREST does for rpc()), and records
-- the run completed in that same transaction (complete_runs), so a run is
-- completed exactly when its call committed (docs/dispatch.md, "The sql
-- action"). state: ready, not_running (not this worker's started run: run
-- nothing) or refused (the run fails with error, final).
--
-- A watcher whose source is sql (a watch task, source.type sql) polls through
-- this same path: its source holds the sql action's fields (function, args,
-- run_as), so the call, the role, the claims and the timeout are found by
-- the same rules; max_output_bytes is then the source's max_response_bytes
-- (a result over it is a failed poll, not a cut output).
create or replace function scheduler.sql_action_prepare(p_run_id uuid, p_worker text)
returns table (
  state text,
  error text,
  call text,
  args jsonb,
  run_as text,
  claims jsonb,
  search_path text,
  timeout_ms integer,
  max_output_bytes integer,
  function_signature text
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_run record;
  v_call record;
  v_user record;
  v_role text;
  v_payload jsonb;
  v_now bigint := extract(epoch from now())::bigint;
begin
  select r.status, r.locked_by, t.action_type, t.action_payload, t.owner_id, t.timeout_seconds
  into v_run
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id;
  if not found or v_run.status <> 'running' or v_run.locked_by is distinct from p_worker then
    return query select 'not_running'::text, 'not a run ' || coalesce(p_worker, '?') || ' started', null::text, null::jsonb, null::text,
      null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  v_payload := case
    when v_run.action_type = 'sql' then v_run.action_payload
    when v_run.action_type = 'watch' and v_run.action_payload -> 'source' ->> 'type' = 'sql' then v_run.action_payload -> 'source'
  end;
  if v_payload is null then
    return query select 'refused'::text, 'the task''s action is ' || v_run.action_type || ', not sql (nor a watcher with source.type sql)',
      null::text, null::jsonb, null::text, null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  v_role := case when v_payload ->> 'run_as' = 'service_role' then 'service_role' else 'authenticated' end;
  select * into v_call from scheduler_internal.sql_call(v_payload, null);
  if v_call.error is not null then
    return query select 'refused'::text, v_call.error, null::text, null::jsonb, v_role, null::jsonb, null::text, null::integer, null::integer, null::text;
    return;
  end if;
  -- read for service_role runs too: the claims below name v_user's fields,
  -- and a record never assigned in the session cannot even be planned
  select u.id, u.email, u.phone, u.raw_app_meta_data, u.raw_user_meta_data, u.is_anonymous, u.banned_until, u.deleted_at
  into v_user from auth.users u where u.id = v_run.owner_id;
  if v_role = 'authenticated' then
    -- a task never does more than its owner could: a user who cannot sign in cannot call it
    if v_user.id is null or v_user.deleted_at is not null then
      return query select 'refused'::text, 'the task''s owner no longer exists', null::text, null::jsonb, v_role, null::jsonb, null::text,
        null::integer, null::integer, null::text;
      return;
    end if;
    if v_user.banned_until > now() then
      return query select 'refused'::text, 'the task''s owner is banned until ' || v_user.banned_until || ', so their tasks call nothing',
        null::text, null::jsonb, v_role, null::jsonb, null::text, null::integer, null::integer, null::text;
      return;
    end if;
  end if;
  return query select
    'ready'::text,
    null::text,
    v_call.call,
    coalesce(v_payload -> 'args', '{}'::jsonb),
    v_role,
    case when v_role = 'service_role' then jsonb_build_object('role', 'service_role', 'iss', 'supabase-task-scheduler', 'iat', v_now)
    else jsonb_build_object(
      'sub', v_user.id, 'role', 'authenticated', 'aud', 'authenticated',
      'email', coalesce(v_user.email, ''), 'phone', coalesce(v_user.phone, ''),
      'app_metadata', coalesce(v_user.raw_app_meta_data, '{}'::jsonb),
      'user_metadata', coalesce(v_user.raw_user_meta_data, '{}'::jsonb),
      'is_anonymous', coalesce(v_user.is_anonymous, false),
      'iss', 'supabase-task-scheduler', 'iat', v_now, 'exp', v_now + v_run.timeout_seconds + 60,
      -- the scheduler asserts no second factor: policies that ask for aal2 refuse it
      'aal', 'aal1', 'amr', jsonb_build_array(jsonb_build_object('method', 'scheduler', 'timestamp', v_now)))
    end,
    v_call.search_path,
    v_run.timeout_seconds * 1000,
    case when v_run.action_type = 'watch' then coalesce((v_payload ->> 'max_response_bytes')::integer, 1048576)
      else coalesce((v_payload ->> 'max_output_bytes')::integer, 65536) end,
    v_call.signature;
end;
$$;

comment on function scheduler.sql_action_prepare(uuid, text) is
  'service_role (the sql action, and the watch action for a source of type sql): for a run p_worker started, the statement calling the task''s function (found like rpc() finds it), its arguments, the role and request.jwt.claims it runs with (the owner''s, or service_role when an admin set run_as), search_path, statement timeout and output cap. state not_running: run nothing; refused: fail the run with error.';

revoke execute on function scheduler.sql_action_prepare(uuid, text) from public, anon, authenticated;

grant execute on function scheduler.sql_action_prepare(uuid, text) to service_role;

-- supabase/schemas/25_engine/start_runs.sql ------------------------------------

-- the start gate: called by an action function at the runs' second. Only
-- the runs it answers `started` may be sent. A task's max_concurrency
-- (overlap allow) and rate limit are judged here again, at the second,
-- against what is running and what has started: the claim keeps within
-- them, but two claims may race. A run over either goes back to the queue
-- with its reason in wait_reason; a start of a rate-limited task is logged
-- in scheduler_internal.task_starts, which the limit counts.
create or replace function scheduler.start_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns table (run_id uuid, outcome text, message text)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '15 seconds');
  v_window interval := scheduler_internal.heartbeat_lease();
  v_decided jsonb;
  -- whether any run of the call is of a rate-limited task: without one, the
  -- start log's two steps are planned away (a constant false filter)
  v_rated boolean;
  v_skip record;
  v_into uuid;
  v_started uuid[];
  v_requeued uuid[];
  v_ended uuid[];
  v_decisions jsonb;
begin
  if p_run_ids is null or p_worker is null then
    raise exception 'start_runs: p_run_ids and p_worker are required' using errcode = '22023';
  end if;
  -- two gates starting runs of one task at the same second would both see
  -- nothing running: the tasks that judge overlap, max_concurrency or a
  -- rate limit are taken one gate at a time (in id order, so gates never
  -- wait on each other in a circle)
  -- (each run's task is one primary-key probe, whatever the statistics say)
  perform pg_advisory_xact_lock(hashtextextended('scheduler.start_runs:' || x.task_id::text, 0))
  from (
    select distinct r.task_id
    from scheduler.task_runs r
    cross join lateral (
      select t.overlap_policy, t.max_concurrency, t.rate_limit_count from scheduler.tasks t where t.id = r.task_id offset 0
    ) t
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker
      and (t.overlap_policy <> 'allow' or t.max_concurrency is not null or t.rate_limit_count is not null)
    order by r.task_id
  ) x;

  -- a new statement, so a gate that waited above sees the other's starts
  with locked as (
    select r.id, r.task_id, r.scheduled_time, r.triggered_by
    from scheduler.task_runs r
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker
    for update of r
  ),
  asked as (
    select l.*, t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy,
      t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.timeout_seconds,
      row_number() over (partition by l.task_id order by l.scheduled_time, l.id) as nth
    from locked l
    cross join lateral (
      select t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy,
        t.max_concurrency, t.rate_limit_count, t.rate_limit_period, t.timeout_seconds
      from scheduler.tasks t where t.id = l.task_id offset 0
    ) t
  ),
  judged as (
    select a.*,
      -- what is running now: a started run of the task, or an earlier run of
      -- this same call (which starts first)
      (a.nth > 1 or exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'running'
      )) as overlapping,
      exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'queued'
      ) as one_waiting,
      -- lateness is the scheduler's, not a person's: a run someone approved
      -- late runs when approved (and one held before a tool call resumes
      -- whatever the decision)
      a.triggered_by = 'schedule' and p_now > a.scheduled_time + v_grace and a.misfire_policy = 'skip'
        and not exists (select 1 from scheduler.approvals ap where ap.run_id = a.id
          and (ap.status = 'approved' or (ap.status = 'rejected' and ap.details ->> 'kind' = 'tool_call'))) as too_late,
      -- a paused task still runs what a person asked for by hand
      a.deleted_at is null and (a.is_active or a.triggered_by in ('manual', 'replay', 'backfill')) as allowed,
      -- max_concurrency (with overlap allow; skip and queue already run one
      -- at a time): what is running now and the earlier runs of this call
      a.max_concurrency is not null and a.overlap_policy = 'allow' and (a.nth - 1) + (
        select count(*) from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'running'
      ) >= a.max_concurrency as over_concurrency,
      -- the rate limit: the starts within the window before now, and the
      -- earlier runs of this call
      a.rate_limit_count is not null and (a.nth - 1) + (
        select count(*) from (
          select 1 from scheduler_internal.task_starts s
          where s.task_id = a.task_id and s.started_at > p_now - a.rate_limit_period
          limit a.rate_limit_count) w
      ) >= a.rate_limit_count as over_rate
    from asked a
  )
  select jsonb_agg(jsonb_build_object(
    'run_id', j.id, 'task_id', j.task_id, 'scheduled_time', j.scheduled_time, 'triggered_by', j.triggered_by,
    'rate_limit_period', j.rate_limit_period, 'timeout_seconds', j.timeout_seconds,
    'outcome', case
      when not j.allowed then 'cancelled'
      when j.too_late then 'skipped'
      -- a retry that meets a running run of its task waits for it: skipping
      -- it would drop the attempt its policy owes
      when j.overlapping and j.triggered_by = 'retry' then 'queued'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued'
      when j.over_concurrency or j.over_rate then 'queued'
      else 'started'
    end,
    'message', case
      when j.deleted_at is not null then 'cancelled: the task was deleted before this run started'
      when not j.allowed then 'cancelled: the task was paused before this run started'
      when j.too_late then
        'skipped: it could start only ' || date_trunc('second', p_now - j.scheduled_time) || ' after its due time, later than misfire_grace (misfire_policy skip)'
      when j.overlapping and j.triggered_by = 'retry' then 'queued: a retry waits for the running run of its task'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped: the previous run was still going (overlap_policy skip)'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then
        'skipped: a run was already waiting behind the running one (overlap_policy queue)'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued behind the running run (overlap_policy queue)'
      when j.over_concurrency then
        'waiting: max_concurrency ' || j.max_concurrency || ' reached at its second (runs of this task running)'
      when j.over_rate then
        'waiting: the rate limit of ' || j.rate_limit_count || ' starts per ' || j.rate_limit_period
          || ' was reached at its second (rate_limit_count, rate_limit_period)'
    end)), coalesce(bool_or(j.rate_limit_count is not null), false)
  into v_decided, v_rated
  from judged j;

  if v_decided is null then
    v_decided := '[]'::jsonb;
  end if;

  -- the runs each outcome moves, by id, and each run's decision (with its
  -- task's timeout) keyed by id: the updates below probe the runs by key
  -- and join nothing. A join of the decided rows to task_runs is planned on the
  -- table's statistics, and on statistics that said the table was nearly
  -- empty (a refill after a clean-up) it became a scan of the whole table
  -- per decided run: 8 s for a gate of 1,000 in bench/drain-cost.mjs
  select
    coalesce(array_agg(x.run_id) filter (where x.outcome = 'started'), '{}'),
    coalesce(array_agg(x.run_id) filter (where x.outcome = 'queued'), '{}'),
    coalesce(array_agg(x.run_id) filter (where x.outcome in ('cancelled', 'skipped')), '{}'),
    coalesce(jsonb_object_agg(x.run_id, jsonb_build_object(
      'outcome', x.outcome, 'message', x.message, 'scheduled_time', x.scheduled_time, 'timeout_seconds', x.timeout_seconds)), '{}')
  into v_started, v_requeued, v_ended, v_decisions
  from jsonb_to_recordset(v_decided) as x(run_id uuid, scheduled_time timestamptz, timeout_seconds integer, outcome text, message text);

  -- the first heartbeat's lease: the action renews it every few seconds
  -- (renew_leases), so a worker that dies is found out heartbeat_lease
  -- after it went quiet, not after timeout_seconds + lease_margin
  update scheduler.task_runs r
  set status = 'running', start_time = p_now,
      lease_expires_at = p_now + least(make_interval(secs => (v_decisions -> r.id::text ->> 'timeout_seconds')::integer) + v_margin, v_window)
  where r.id = any (v_started);

  update scheduler.task_runs r
  set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null,
      wait_reason = v_decisions -> r.id::text ->> 'message'
  where r.id = any (v_requeued);

  update scheduler.task_runs r
  set status = (v_decisions -> r.id::text ->> 'outcome')::scheduler.run_status, start_time = p_now, end_time = p_now,
      lease_expires_at = null, error_message = v_decisions -> r.id::text ->> 'message',
      log_summary = case when v_decisions -> r.id::text ->> 'outcome' = 'skipped'
        then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', (v_decisions -> r.id::text ->> 'scheduled_time')::timestamptz) end
  where r.id = any (v_ended);

  with decided as (
    select * from jsonb_to_recordset(v_decided) as x(
      run_id uuid, task_id uuid, triggered_by text, rate_limit_period interval, outcome text)
  ),
  -- the sliding log of rate-limited tasks: this call's starts, and what has
  -- left each window (the claim and the gate count only inside it)
  logged as (
    insert into scheduler_internal.task_starts (task_id, started_at, run_id)
    select x.task_id, p_now, x.run_id
    from decided x
    where v_rated and x.outcome = 'started' and x.rate_limit_period is not null
  ),
  forgotten as (
    delete from scheduler_internal.task_starts s
    where v_rated and s.task_id = any (array(
        select x.task_id from decided x where x.outcome = 'started' and x.rate_limit_period is not null))
      and s.started_at <= p_now - (
        select x.rate_limit_period from decided x where x.task_id = s.task_id and x.rate_limit_period is not null limit 1)
  )
  -- manual, event, retry and dependency runs move last_run_at here (the
  -- claim moves it for scheduled runs, under the lock it already holds)
  update scheduler.tasks t
  set last_run_at = greatest(t.last_run_at, p_now)
  where t.id = any (array(
    select x.task_id from decided x where x.outcome = 'started' and x.triggered_by <> 'schedule'));

  -- a run of skips in a row is one row: each further skip with the same
  -- reason folds into the task's latest run when that is such a skip (a
  -- sub-minute task behind a slow run would otherwise write a row per
  -- occurrence). Only skips take this path, rarely more than one a call.
  for v_skip in
    select x.run_id, x.task_id, x.scheduled_time, x.message
    from jsonb_to_recordset(v_decided) as x(run_id uuid, task_id uuid, scheduled_time timestamptz, triggered_by text, outcome text, message text)
    -- only scheduled occurrences fold: a skipped retry or manual run keeps its row
    where x.outcome = 'skipped' and x.triggered_by = 'schedule'
    order by x.scheduled_time
  loop
    v_into := null;
    select p.id into v_into
    from (
      select r.id, r.status, r.error_message from scheduler.task_runs r
      where r.task_id = v_skip.task_id and r.id <> v_skip.run_id and r.scheduled_time <= v_skip.scheduled_time
        and r.status not in ('queued', 'awaiting_approval', 'claimed')
      order by r.scheduled_time desc, r.id desc
      limit 1
    ) p
    where p.status = 'skipped' and p.error_message = v_skip.message;
    if v_into is not null then
      update scheduler.task_runs r
      set log_summary = jsonb_build_object(
            'skipped_occurrences', coalesce((r.log_summary ->> 'skipped_occurrences')::integer, 1) + 1,
            'last_scheduled_time', v_skip.scheduled_time),
          end_time = p_now
      where r.id = v_into;
      delete from scheduler.task_runs r where r.id = v_skip.run_id;
      v_decided := (
        select jsonb_agg(case when e ->> 'run_id' = v_skip.run_id::text
          then e || jsonb_build_object('message', (e ->> 'message') || ' (counted on run ' || v_into || ')') else e end)
        from jsonb_array_elements(v_decided) e);
    end if;
  end loop;

  -- a run this worker already started answers started again: a gate call
  -- whose answer was lost is repeated, and the runs it started must still be
  -- executed (only this worker, which did not get the answer, can)
  return query
  select a.id,
    coalesce(x.outcome, case when again.id is not null then 'started' else 'not_claimed' end),
    coalesce(x.message, case
      when again.id is not null then 'already started by ' || p_worker || ' (the gate was asked again)'
      when x.run_id is null then 'not claimed by ' || p_worker || ' any more (cancelled, given back or finished)' end)
  from unnest(p_run_ids) as a(id)
  left join jsonb_to_recordset(v_decided) as x(run_id uuid, outcome text, message text) on x.run_id = a.id
  left join lateral (
    select r.id from scheduler.task_runs r
    where x.run_id is null and r.id = a.id and r.status = 'running' and r.locked_by = p_worker
  ) again on true;
end;
$$;

comment on function scheduler.start_runs(uuid[], text, timestamptz) is
  'service_role (action functions): the start gate, at the runs'' second. Judges each claimed run of p_worker now: paused or deleted task (cancelled), lateness against misfire_grace, overlap against what is running now (skip, queue, allow). Returns one row per id; only outcome started may be executed.';

revoke execute on function scheduler.start_runs(uuid[], text, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.start_runs(uuid[], text, timestamptz) to service_role;

-- supabase/schemas/25_engine/wake_dispatcher.sql -------------------------------

-- work that should start now (manual runs, events, approvals) wakes the
-- dispatcher at once instead of waiting for the minute tick; without Vault
-- entries it only warns, and the next tick picks the work up
create or replace function scheduler_internal.wake_dispatcher(p_reason text default 'immediate') returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.invoke_dispatcher(p_reason);
exception when sqlstate '55000' then
  raise warning '%', sqlerrm;
end;
$$;

comment on function scheduler_internal.wake_dispatcher(text) is 'invoke_dispatcher for immediate work: warns instead of failing when the Vault entries are missing.';

revoke execute on function scheduler_internal.wake_dispatcher(text) from public, anon, authenticated;

-- supabase/schemas/25_engine/wake_if_looker_dead.sql ---------------------------

-- the watchdog (pg_cron job scheduler-watchdog, every 10 s where pg_cron
-- takes seconds): a dispatcher killed mid-loop never clears its plan row, and
-- for steady scheduled work no write comes to notice it (the writes that
-- wake a dispatcher are new runs), so without this its claims waited for the
-- next minute's tick. A looker that should still be awake but is more than
-- 2 s late for its own look has died: ask for a dispatch now. A looker that
-- stopped (nothing due before it would have left) cleared the row and is
-- not woken: the tick and the writes cover that case.
-- A dispatcher killed before its first plan never named itself in the row at
-- all (the tick's invocation killed in its first second, after the previous
-- looker had stopped): then the dispatcher last asked for (the tick's
-- request in dispatcher_requests, or the last wake) is more than 5 s old and
-- nothing has planned since, and a dispatch is asked for too.
-- request_dispatch judges the wake (and debounces it) on clock_now(), which
-- is now() outside tests, as p_now is; a test pins scheduler.now to p_now.
create or replace function scheduler_internal.wake_if_looker_dead(p_now timestamptz default now())
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_looks scheduler_internal.dispatcher_looks;
  v_asked timestamptz;
begin
  if p_now is null then
    raise exception 'wake_if_looker_dead: p_now is required' using errcode = '22023';
  end if;
  select * into v_looks from scheduler_internal.dispatcher_looks;
  if v_looks.awake_until > p_now and v_looks.next_look_at < p_now - interval '2 seconds' then
    return scheduler_internal.request_dispatch(p_now, 'watchdog: looker overdue');
  end if;
  -- the newest request is the highest id (pg_net's sequence): one index probe.
  -- A wake recorded more than 10 s after p_now was written on a clock ahead
  -- of this one (request_dispatch sends the next wake regardless): it says
  -- nothing of when a dispatcher was last asked for, and would hide the
  -- tick's request
  select greatest(
    (select d.created_at from scheduler_internal.dispatcher_requests d order by d.request_id desc limit 1),
    (select w.last_wake_at from scheduler_internal.dispatcher_wakes w where w.last_wake_at <= p_now + interval '10 seconds'))
  into v_asked;
  if v_asked < p_now - interval '5 seconds' and v_asked > coalesce(v_looks.planned_at, '-infinity') then
    return scheduler_internal.request_dispatch(p_now, 'watchdog: no dispatcher planned since one was asked for');
  end if;
  return false;
end;
$$;

comment on function scheduler_internal.wake_if_looker_dead(timestamptz) is
  'pg_cron job scheduler-watchdog: when the dispatcher that should be looking is more than 2 s late for its planned look (its worker died), or no dispatcher has planned since one was last asked for (tick or wake) more than 5 s ago, requests a dispatch now (request_dispatch, debounced). Returns whether a wake was sent.';

revoke execute on function scheduler_internal.wake_if_looker_dead(timestamptz) from public, anon, authenticated, service_role;

-- supabase/schemas/26_api/backfill.sql -----------------------------------------

-- backfill: one run for each slot of the task's schedule from p_from to
-- p_to (both included) that has no run yet. With p_preview (the default)
-- it only returns the slots it would fill.
--  * a slot is a due time of the schedule: cron in the task's timezone, an
--    interval on the grid of its next due time, a one-off's run_at;
--  * only the past: slots after p_now, and for an active task its next due
--    time and later (the schedule's own), are left to the schedule;
--  * a slot has a run when a scheduled or backfill run of the task is due
--    from the slot until the next one (a catch-up after downtime is due
--    when it ran, not at the slot it stands for; an interval task resumed
--    on a shifted grid still has its old runs), whatever that run's outcome
--    (replay_runs replays what failed);
--  * bounded: a range holding more slots than the backfill_max_slots
--    setting is refused, before anything is created;
--  * exactly once per slot: backfills of one task take turns (an advisory
--    lock, so the second sees the first's runs), and a unique index on
--    (task_id, scheduled_time) of backfill runs makes a duplicate
--    impossible whatever else happens.
-- The runs are queued (triggered_by backfill, due at their slot, so
-- {{run.scheduled_time}} is the slot) and the dispatcher is woken at once;
-- the overlap policy takes them one at a time, oldest first, unless it
-- allows overlap.
create or replace function scheduler.backfill(
  p_task_id uuid,
  p_from timestamptz,
  p_to timestamptz,
  p_preview boolean default true,
  p_now timestamptz default now()
) returns table (slot timestamptz, run_id uuid)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_task scheduler.tasks;
  v_max integer := coalesce((scheduler_internal.setting('backfill_max_slots') #>> '{}')::integer, 1000);
  v_to timestamptz;
  v_slots timestamptz[];
  v_after_last timestamptz;
begin
  select * into v_task from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_task.id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'backfill: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'backfill: you may not backfill task "%" (its owner, editors and admins may)', v_task.name
      using errcode = '42501';
  end if;
  if p_from is null or p_to is null then
    raise exception 'backfill: p_from and p_to are required (the range of due times to fill)' using errcode = '22023';
  end if;
  if not (isfinite(p_from) and isfinite(p_to)) then
    raise exception 'backfill: p_from and p_to must be finite times, got % and %', p_from, p_to using errcode = '22023';
  end if;
  if p_from > p_to then
    raise exception 'backfill: p_from (%) is after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  if p_preview is null then
    raise exception 'backfill: p_preview must be true (return the slots) or false (create their runs)' using errcode = '22023';
  end if;
  if num_nonnulls(v_task.schedule_cron, v_task.schedule_interval, v_task.run_at) = 0 then
    raise exception 'backfill: p_task_id: task "%" has no schedule (schedule_cron, schedule_interval or run_at) to backfill', v_task.name
      using errcode = '22023';
  end if;

  if not p_preview then
    -- one backfill of a task at a time: the next one sees these runs
    perform pg_advisory_xact_lock(hashtextextended('scheduler.backfill:' || p_task_id::text, 0));
  end if;

  v_to := least(p_to, p_now);
  if v_task.is_active and v_task.next_run_at is not null then
    v_to := least(v_to, v_task.next_run_at - interval '1 microsecond');
  end if;
  v_slots := array(
    select s from scheduler_internal.schedule_slots(v_task.schedule_cron, v_task.schedule_interval, v_task.run_at,
      v_task.timezone, v_task.next_run_at, p_from, v_to, v_max + 1) s);
  if cardinality(v_slots) > v_max then
    raise exception 'backfill: the range from % to % holds more than % slots of task "%" (the backfill_max_slots setting); backfill a shorter range (p_from, p_to)',
      p_from, p_to, v_max, v_task.name using errcode = '22023';
  end if;
  if cardinality(v_slots) = 0 then
    return;
  end if;
  v_after_last := coalesce(scheduler_internal.next_due_time(v_task.schedule_cron, v_task.schedule_interval, null, v_task.timezone,
    v_slots[cardinality(v_slots)]), 'infinity');

  -- a new statement, so a backfill that waited above sees the other's runs
  return query
  with slots as (
    select s.due, coalesce(lead(s.due) over (order by s.due), v_after_last) as until
    from unnest(v_slots) as s(due)
  ),
  open_slots as (
    select s.due from slots s
    where not exists (
      select 1 from scheduler.task_runs r
      where r.task_id = p_task_id and r.scheduled_time >= s.due and r.scheduled_time < s.until
        and r.triggered_by in ('schedule', 'backfill')
    )
  ),
  made as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, requested_by)
    select p_task_id, o.due, 'queued', 1, 'backfill', (select auth.uid())
    from open_slots o
    where not p_preview
    order by o.due
    on conflict (task_id, scheduled_time) where triggered_by = 'backfill' do nothing
    returning id, scheduled_time
  )
  select o.due, m.id
  from open_slots o
  left join made m on m.scheduled_time = o.due
  where p_preview or m.id is not null
  order by o.due;
end;
$$;

comment on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) is 'One run (triggered_by backfill, due at its slot) for each past slot of the task''s schedule from p_from to p_to that has no scheduled or backfill run yet; exactly once per slot, also under concurrency. p_preview (default true) returns the slots without creating runs. A range of more than backfill_max_slots (1000) slots is refused. Owners, editors and admins of the task.';

revoke execute on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) from public, anon;

grant execute on function scheduler.backfill(uuid, timestamptz, timestamptz, boolean, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/cancel_run.sql ---------------------------------------

create or replace function scheduler.cancel_run(p_run_id uuid, p_now timestamptz default now())
returns scheduler.run_status
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_status scheduler.run_status;
begin
  select task_id, status into v_task_id, v_status from scheduler.task_runs where id = p_run_id for update;
  -- one answer for a run that does not exist and one the caller cannot see
  if v_task_id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_task_id)) then
    raise exception 'cancel_run: run % does not exist', p_run_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_task_id) then
    raise exception 'cancel_run: you may not cancel runs of task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = v_task_id) using errcode = '42501';
  end if;
  if v_status in ('completed', 'failed', 'cancelled', 'skipped') then
    return v_status;
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where id = p_run_id;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'run cancelled')
  where run_id = p_run_id and status = 'pending';
  insert into scheduler.system_logs (level, module, message, user_id, task_id, run_id)
  values ('info', 'engine', 'run cancelled', (select auth.uid()), v_task_id, p_run_id);
  return 'cancelled';
end;
$$;

comment on function scheduler.cancel_run(uuid, timestamptz) is 'Cancels a queued, waiting or running run (a running action''s late result is then ignored). Recorded on the run and in system_logs.';

revoke execute on function scheduler.cancel_run(uuid, timestamptz) from public, anon;

grant execute on function scheduler.cancel_run(uuid, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/cancel_task.sql --------------------------------------

-- cancel reaches a claimed run: it has not started, so nothing will be sent
create or replace function scheduler.cancel_task(p_task_id uuid, p_now timestamptz default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_cancelled integer;
begin
  -- one answer for a task that does not exist and one the caller cannot see
  if not exists (select 1 from scheduler.tasks t where t.id = p_task_id)
     or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'cancel_task: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(p_task_id) then
    raise exception 'cancel_task: you may not cancel task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = p_task_id) using errcode = '42501';
  end if;
  update scheduler.tasks set is_active = false where id = p_task_id;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'task cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where task_id = p_task_id and status in ('queued', 'awaiting_approval', 'claimed', 'running');
  get diagnostics v_cancelled = row_count;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'task cancelled')
  where task_id = p_task_id and status = 'pending';
  return v_cancelled;
end;
$$;

comment on function scheduler.cancel_task(uuid, timestamptz) is 'Pauses the task (is_active = false, audited) and cancels its unfinished runs, claimed ones included (nothing is sent for them); returns how many.';

revoke execute on function scheduler.cancel_task(uuid, timestamptz) from public, anon;

grant execute on function scheduler.cancel_task(uuid, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/decide_approval.sql ----------------------------------

create or replace function scheduler.decide_approval(
  p_approval_id uuid, p_approve boolean, p_notes text default null, p_now timestamptz default now()
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_approval scheduler.approvals;
  v_uid uuid := (select auth.uid());
  v_task scheduler.tasks;
begin
  select * into v_approval from scheduler.approvals where id = p_approval_id for update;
  -- one answer for an approval that does not exist and one the caller cannot see
  if v_approval.id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_approval.task_id)) then
    raise exception 'decide_approval: approval % does not exist', p_approval_id using errcode = 'P0002';
  end if;
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(v_approval.task_id) then
    raise exception 'decide_approval: you may not decide approvals of task "%" (its owner, editors and admins may)',
      (select t.name from scheduler.tasks t where t.id = v_approval.task_id) using errcode = '42501';
  end if;
  if v_approval.status <> 'pending' then
    raise exception 'decide_approval: approval % is already %', p_approval_id, v_approval.status using errcode = '55000';
  end if;
  if v_approval.expires_at is not null and v_approval.expires_at < p_now then
    raise exception 'decide_approval: approval % expired at %', p_approval_id, v_approval.expires_at using errcode = '55000';
  end if;
  select * into v_task from scheduler.tasks where id = v_approval.task_id;
  if p_approve then
    update scheduler.approvals set status = 'approved', approved_by = v_uid, approved_at = p_now, notes = p_notes where id = p_approval_id;
    update scheduler.task_runs set status = 'queued' where id = v_approval.run_id and status = 'awaiting_approval';
    perform scheduler_internal.wake_dispatcher('approval');
    return 'approved';
  end if;
  update scheduler.approvals set status = 'rejected', rejected_by = v_uid, rejected_at = p_now, notes = p_notes where id = p_approval_id;
  -- a run held before a tool call (pause_run_for_approval) goes on without
  -- it: its model is told the call was refused
  if v_approval.details ->> 'kind' = 'tool_call' then
    update scheduler.task_runs set status = 'queued' where id = v_approval.run_id and status = 'awaiting_approval';
    perform scheduler_internal.wake_dispatcher('approval');
    return 'rejected';
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, error_message = 'approval rejected' || coalesce(': ' || p_notes, '')
  where id = v_approval.run_id and status = 'awaiting_approval';
  insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
  values (v_task.owner_id, 'Run rejected: ' || v_task.name, coalesce(p_notes, 'The approval was rejected.'), 'approval', 'normal', 'web',
          v_task.id, v_approval.run_id, jsonb_build_object('approval_id', p_approval_id));
  return 'rejected';
end;
$$;

comment on function scheduler.decide_approval(uuid, boolean, text, timestamptz) is 'Approve (the run is queued and dispatched at once) or reject (the run is cancelled and the owner notified; a run held before a tool call is queued again, and its model told the call was refused). Owners, editors and admins.';

revoke execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) from public, anon;

grant execute on function scheduler.decide_approval(uuid, boolean, text, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/edge_function_secret.sql -----------------------------

-- what a function of the project verifies the edge-function action's calls
-- with: the owner's function_secret. service_role only, so only the
-- project's own server side can check (or make) such a signature.
create or replace function scheduler.edge_function_secret(p_user_id uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select s.function_secret from scheduler_internal.signing_secrets s where s.user_id = p_user_id
$$;

comment on function scheduler.edge_function_secret(uuid) is 'service_role: the secret the edge-function action signs p_user_id''s calls with (Standard Webhooks); null when the user has none.';

revoke execute on function scheduler.edge_function_secret(uuid) from public, anon, authenticated;

grant execute on function scheduler.edge_function_secret(uuid) to service_role;

-- supabase/schemas/26_api/emit_event.sql ---------------------------------------

-- A trigger function for the app's own tables, the way Supabase Database
-- Webhooks attach supabase_functions.http_request:
--   create trigger order_created after insert on public.orders
--   for each row execute function scheduler.emit_event('order_created', 'user_id');
-- Each row change becomes an event of the row's owner (the uuid in the named
-- column, user_id by default; the new row's, the old row's for a delete)
-- with the Database Webhooks payload {type, table, schema, record,
-- old_record}, so the owner's subscribed tasks start at once.
--
-- Why security definer: whoever writes the row (its owner, a service, an
-- admin, another user the app's RLS lets write it) may not insert events
-- for the owner under the events policies, and the event must be the
-- owner's all the same. It does one thing with that: one insert into
-- events, owned by the row's user, and nothing else (no argument can name
-- another owner: the owner is read from the row). Nobody but the owner of
-- this function holds EXECUTE, and CREATE TRIGGER requires it, so only the
-- project's owner role attaches it; users cannot hang it on a table of
-- their own (a temporary one, say) to forge events for someone else.
create or replace function scheduler.emit_event() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_type text := tg_argv[0];
  v_column text := coalesce(tg_argv[1], 'user_id');
  v_row jsonb;
  v_owner text;
  v_user uuid;
begin
  if tg_level <> 'ROW' or tg_when <> 'AFTER' then
    raise exception 'scheduler.emit_event() on %.% must be an AFTER ... FOR EACH ROW trigger', tg_table_schema, tg_table_name
      using errcode = '22023';
  end if;
  if tg_nargs not between 1 and 2 or length(v_type) not between 1 and 200 then
    raise exception 'scheduler.emit_event(event_type, owner_column) on %.%: event_type is 1 to 200 characters, owner_column names the uuid column of the row''s owner (default user_id)',
      tg_table_schema, tg_table_name using errcode = '22023';
  end if;
  v_row := case when tg_op = 'DELETE' then pg_catalog.to_jsonb(old) else pg_catalog.to_jsonb(new) end;
  if not v_row ? v_column then
    raise exception 'scheduler.emit_event on %.%: the table has no column "%" to take the event''s owner from', tg_table_schema, tg_table_name, v_column
      using errcode = '42703';
  end if;
  v_owner := v_row ->> v_column;
  if v_owner is null then
    return null;  -- nobody's row: nobody's event
  end if;
  if jsonb_typeof(v_row -> v_column) <> 'string'
     or v_owner !~* '^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$' then
    raise exception 'scheduler.emit_event on %.%: column "%" must hold the owner''s user id (a uuid), got %', tg_table_schema, tg_table_name, v_column, v_row -> v_column
      using errcode = '22023';
  end if;
  v_user := v_owner::uuid;
  -- a row of someone who is not a user of this project starts nothing, and
  -- must not make the app's write fail
  if not exists (select 1 from auth.users u where u.id = v_user) then
    return null;
  end if;
  insert into scheduler.events (event_type, payload, user_id)
  values (v_type, pg_catalog.jsonb_build_object(
      'type', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
      'record', case when tg_op = 'DELETE' then null else pg_catalog.to_jsonb(new) end,
      'old_record', case when tg_op = 'INSERT' then null else pg_catalog.to_jsonb(old) end),
    v_user);
  return null;
end;
$$;

comment on function scheduler.emit_event() is
  'Trigger function for your tables: after insert/update/delete ... for each row execute function scheduler.emit_event(''event_type'', ''owner_column''). Records an event {type, table, schema, record, old_record} for the row''s owner (the uuid in owner_column, default user_id), which starts their subscribed tasks at once. Only the function''s owner may attach it.';

-- CREATE TRIGGER requires EXECUTE: only the owner role (postgres) attaches it
revoke execute on function scheduler.emit_event() from public, anon, authenticated, service_role;

-- supabase/schemas/26_api/inbound_event_secret.sql -----------------------------

-- what the inbound-events function verifies a delivery for p_user_id with
create or replace function scheduler.inbound_event_secret(p_user_id uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select s.inbound_secret from scheduler_internal.signing_secrets s where s.user_id = p_user_id
$$;

comment on function scheduler.inbound_event_secret(uuid) is 'service_role (the inbound-events function): p_user_id''s inbound secret; null when they have none (so nothing sent for them is accepted).';

revoke execute on function scheduler.inbound_event_secret(uuid) from public, anon, authenticated;

grant execute on function scheduler.inbound_event_secret(uuid) to service_role;

-- supabase/schemas/26_api/my_inbound_secret.sql --------------------------------

create or replace function scheduler.my_inbound_secret() returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_secret text;
begin
  if v_uid is null then
    raise exception 'my_inbound_secret() needs a signed-in user' using errcode = '42501';
  end if;
  insert into scheduler_internal.signing_secrets (user_id) values (v_uid) on conflict (user_id) do nothing;
  select inbound_secret into v_secret from scheduler_internal.signing_secrets where user_id = v_uid;
  return v_secret;
end;
$$;

comment on function scheduler.my_inbound_secret() is 'The caller''s inbound secret (whsec_...), created on first use: systems that send you events sign them with it (Standard Webhooks) and post them to /functions/v1/inbound-events/<your user id>.';

revoke execute on function scheduler.my_inbound_secret() from public, anon;

grant execute on function scheduler.my_inbound_secret() to authenticated;

-- supabase/schemas/26_api/my_signing_secret.sql --------------------------------

create or replace function scheduler.my_signing_secret() returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_secret text;
begin
  if v_uid is null then
    raise exception 'my_signing_secret() needs a signed-in user' using errcode = '42501';
  end if;
  insert into scheduler_internal.signing_secrets (user_id) values (v_uid) on conflict (user_id) do nothing;
  select secret into v_secret from scheduler_internal.signing_secrets where user_id = v_uid;
  return v_secret;
end;
$$;

comment on function scheduler.my_signing_secret() is 'The caller''s webhook signing secret (whsec_...), created on first use. Receivers verify webhook-signature with it.';

revoke execute on function scheduler.my_signing_secret() from public, anon;

grant execute on function scheduler.my_signing_secret() to authenticated;

-- supabase/schemas/26_api/replay_run.sql ---------------------------------------

-- replay a run: a new run of the same task with the same inputs, started at
-- once, naming the run it replays (replay_of). It gets a key of its own:
-- a receiver that drops resends by webhook-id must not drop a replay, which
-- a person asked for. Who may: as run_task_now (owners, editors, admins);
-- a run the caller cannot see gets the answer an unknown id gets.
create or replace function scheduler.replay_run(p_run_id uuid, p_now timestamptz default now())
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_task_id uuid;
  v_status scheduler.run_status;
  v_inputs jsonb;
  v_name text;
  v_run_id uuid;
begin
  select r.task_id, r.status, r.inputs, t.name into v_task_id, v_status, v_inputs, v_name
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id and t.deleted_at is null
  where r.id = p_run_id;
  if v_task_id is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(v_task_id)) then
    raise exception 'replay_run: run % does not exist', p_run_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(v_task_id)) then
    raise exception 'replay_run: you may not replay runs of task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if v_status not in ('completed', 'failed', 'cancelled', 'skipped') then
    raise exception 'replay_run: p_run_id: run % is still %; only a finished run (completed, failed, cancelled or skipped) is replayed', p_run_id, v_status
      using errcode = '22023';
  end if;
  insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by, replay_of)
  values (v_task_id, p_now, 'queued', 1, 'replay', v_inputs, (select auth.uid()), p_run_id)
  returning id into v_run_id;
  return v_run_id;
end;
$$;

comment on function scheduler.replay_run(uuid, timestamptz) is 'Queues a new run of a finished run''s task with the same inputs (triggered_by replay, replay_of the run, requested_by the caller, a new idempotency key) and wakes the dispatcher. Owners, editors and admins of the task.';

revoke execute on function scheduler.replay_run(uuid, timestamptz) from public, anon;

grant execute on function scheduler.replay_run(uuid, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/replay_runs.sql --------------------------------------

-- replay what went wrong over a time range: the runs of one task due from
-- p_from to p_to (both included) whose status is one of p_statuses, each
-- replayed once as replay_run does. One statement picks and inserts them.
--  * only the last attempt of a due time counts: a failure that was
--    retried is history, and its retry is the run that says how it ended;
--  * a run already replayed is left alone, so calling again with the same
--    range goes on where the limit stopped (and a second caller at the same
--    moment waits for the first, then finds nothing left to do);
--  * at most p_limit (default and ceiling: the replay_max_runs setting),
--    oldest first.
create or replace function scheduler.replay_runs(
  p_task_id uuid,
  p_from timestamptz,
  p_to timestamptz,
  p_statuses scheduler.run_status[] default '{failed}',
  p_limit integer default null,
  p_now timestamptz default now()
) returns table (run_id uuid, replay_of uuid)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_name text;
  v_max integer := coalesce((scheduler_internal.setting('replay_max_runs') #>> '{}')::integer, 100);
  v_limit integer := coalesce(p_limit, v_max);
  v_open scheduler.run_status[];
begin
  select t.name into v_name from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_name is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'replay_runs: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'replay_runs: you may not replay runs of task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if p_from is null or p_to is null then
    raise exception 'replay_runs: p_from and p_to are required (the range of due times to replay)' using errcode = '22023';
  end if;
  if p_from > p_to then
    raise exception 'replay_runs: p_from (%) is after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  if p_statuses is null or cardinality(p_statuses) = 0 then
    raise exception 'replay_runs: p_statuses must name at least one of completed, failed, cancelled, skipped' using errcode = '22023';
  end if;
  v_open := array(select s from unnest(p_statuses) s where s not in ('completed', 'failed', 'cancelled', 'skipped'));
  if cardinality(v_open) > 0 then
    raise exception 'replay_runs: p_statuses: only finished runs are replayed (completed, failed, cancelled, skipped), got %', v_open
      using errcode = '22023';
  end if;
  if v_limit < 1 or v_limit > v_max then
    raise exception 'replay_runs: p_limit must be between 1 and % (the replay_max_runs setting), got %', v_max, v_limit
      using errcode = '22023';
  end if;

  -- one bulk replay of a task at a time, so two never replay the same run
  perform pg_advisory_xact_lock(hashtextextended('scheduler.replay_runs:' || p_task_id::text, 0));

  -- a new statement, so a caller that waited above sees the other's replays
  return query
  with picked as (
    select r.id, r.inputs, r.scheduled_time
    from scheduler.task_runs r
    where r.task_id = p_task_id
      and r.scheduled_time between p_from and p_to
      and r.status = any (p_statuses)
      and not exists (
        select 1 from scheduler.task_runs n
        where n.task_id = r.task_id and n.idempotency_key = coalesce(r.idempotency_key, r.id::text)
          and n.attempt > r.attempt
      )
      and not exists (select 1 from scheduler.task_runs p where p.replay_of = r.id)
    order by r.scheduled_time, r.id
    limit v_limit
  ),
  made as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by, replay_of)
    select p_task_id, p_now, 'queued', 1, 'replay', p.inputs, (select auth.uid()), p.id
    from picked p
    order by p.scheduled_time, p.id
    returning id, replay_of
  )
  select m.id, m.replay_of from made m
  join picked p on p.id = m.replay_of
  order by p.scheduled_time, p.id;
end;
$$;

comment on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) is 'Replays (as replay_run) the runs of a task due from p_from to p_to whose last attempt ended in one of p_statuses (default failed) and that were not replayed yet, oldest first, at most p_limit (the replay_max_runs setting, 100); returns the new runs and what each replays. Owners, editors and admins of the task.';

revoke execute on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) from public, anon;

grant execute on function scheduler.replay_runs(uuid, timestamptz, timestamptz, scheduler.run_status[], integer, timestamptz) to authenticated, service_role;

-- supabase/schemas/26_api/run_task_now.sql -------------------------------------

-- a run now, by hand. One answer for a task that does not exist and one the
-- caller cannot see, so no one learns of another user's task; a task the
-- caller sees but may not edit (shared for viewing) is refused by name.
-- With p_idempotency_key, a second call with the same key for the same task
-- inside idempotency_window returns the first call's run and starts nothing
-- (a client's retry after a lost answer, a double click), also when the two
-- calls race: the key is taken in scheduler_internal.idempotency_keys.
create or replace function scheduler.run_task_now(
  p_task_id uuid, p_now timestamptz default now(), p_inputs jsonb default null, p_idempotency_key text default null
)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_name text;
  v_run_id uuid := scheduler_internal.uuid_v7();
  v_holder uuid;
begin
  select t.name into v_name from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_name is null or not (scheduler_internal.acting_as_system() or scheduler_internal.can_view_task(p_task_id)) then
    raise exception 'run_task_now: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not (scheduler_internal.acting_as_system() or scheduler_internal.can_edit_task(p_task_id)) then
    raise exception 'run_task_now: you may not run task "%" (its owner, editors and admins may)', v_name
      using errcode = '42501';
  end if;
  if p_inputs is not null and pg_catalog.jsonb_typeof(p_inputs) <> 'object' then
    raise exception 'run_task_now: p_inputs must be a JSON object (its fields are {{inputs.<field>}}), got %', pg_catalog.jsonb_typeof(p_inputs)
      using errcode = '22023';
  end if;
  if p_idempotency_key is not null then
    if length(p_idempotency_key) not between 1 and 255 then
      raise exception 'run_task_now: p_idempotency_key must be 1 to 255 characters, got %', length(p_idempotency_key)
        using errcode = '22023';
    end if;
    v_holder := scheduler_internal.claim_idempotency_key('run_task_now', p_task_id, p_idempotency_key, v_run_id, p_now);
    if v_holder is not null then
      return v_holder;
    end if;
  end if;
  insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, inputs, requested_by)
  values (v_run_id, p_task_id, p_now, 'queued', 1, 'manual', coalesce(p_inputs, '{}'), (select auth.uid()));
  return v_run_id;
end;
$$;

comment on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) is 'Queues a run now (triggered_by manual, requested_by the caller) with optional inputs ({{inputs.<field>}}) and wakes the dispatcher through pg_net. With p_idempotency_key, a repeat inside the idempotency_window setting (24 hours) returns the first run instead of queuing another. Owners, editors and admins.';

revoke execute on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) from public, anon;

grant execute on function scheduler.run_task_now(uuid, timestamptz, jsonb, text) to authenticated, service_role;

-- supabase/schemas/26_api/upcoming_runs.sql ------------------------------------

-- the next p_count due times of a task after p_after, as Trigger.dev's
-- upcoming[] gives them, with the wall-clock time in the task's timezone.
-- What is true, not what the schedule would say: a paused task has none
-- (resuming continues from the next due time after the resume), a one-off
-- has its one time until it has run, and a task without a schedule (event,
-- manual) has none. An interval task's times follow its next due time.
-- It runs as the caller: a task they cannot see is one that does not exist.
create or replace function scheduler.upcoming_runs(
  p_task_id uuid, p_count integer default 10, p_after timestamptz default now()
) returns table (due_at timestamptz, local_time timestamp, timezone text)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_task record;
begin
  if p_count is null or p_count not between 1 and 100 then
    raise exception 'upcoming_runs: p_count must be between 1 and 100, got %', coalesce(p_count::text, 'null')
      using errcode = '22023';
  end if;
  if p_after is null or not isfinite(p_after) then
    raise exception 'upcoming_runs: p_after must be a finite time, got %', coalesce(p_after::text, 'null') using errcode = '22023';
  end if;
  select t.id, t.is_active, t.schedule_cron, t.schedule_interval, t.run_at, t.timezone, t.next_run_at into v_task
  from scheduler.tasks t where t.id = p_task_id and t.deleted_at is null;
  if v_task.id is null then
    raise exception 'upcoming_runs: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  if not v_task.is_active then
    return;
  end if;
  return query
  select s, (s at time zone v_task.timezone)::timestamp, v_task.timezone
  from scheduler_internal.schedule_slots(
    v_task.schedule_cron, v_task.schedule_interval,
    -- a one-off that has run has no next due time any more
    case when v_task.next_run_at is not null then v_task.run_at end,
    v_task.timezone, v_task.next_run_at, p_after + interval '1 microsecond', 'infinity', p_count) s;
end;
$$;

comment on function scheduler.upcoming_runs(uuid, integer, timestamptz) is 'The next p_count (1 to 100, default 10) due times of a task after p_after, with their wall-clock time in the task''s timezone. None for a paused task or one without a schedule; a one-off''s single time until it has run. Anyone who can see the task.';

revoke execute on function scheduler.upcoming_runs(uuid, integer, timestamptz) from public, anon;

grant execute on function scheduler.upcoming_runs(uuid, integer, timestamptz) to authenticated, service_role;

-- supabase/schemas/27_housekeeping/cleanup_expired_sessions.sql ----------------

create or replace function scheduler.cleanup_expired_sessions(p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  delete from scheduler.sessions where expires_at < p_now;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;

comment on function scheduler.cleanup_expired_sessions(timestamptz) is 'Deletes sessions expired before p_now; returns how many. Runs daily as the pg_cron job cleanup-expired-sessions.';

revoke execute on function scheduler.cleanup_expired_sessions(timestamptz) from public, anon, authenticated;

grant execute on function scheduler.cleanup_expired_sessions(timestamptz) to service_role;

-- supabase/schemas/27_housekeeping/prune_batch.sql -----------------------------

-- On hosted Supabase `postgres` may read cron.job (and change it only through
-- cron.schedule/unschedule), delete from cron.job_run_details (it sees every
-- role's rows, hence the filter on the scheduler's own jobs) and delete from
-- net._http_response, but may index neither, so the walks below are bounded
-- by what each batch already passed.
-- one batch of one target. The public tables are walked in created_at order
-- from p_after_at, cron.job_run_details in runid order from p_after_id, so a
-- batch does not rescan the rows earlier batches kept.
create or replace function scheduler_internal.prune_batch(
  p_target text, p_now timestamptz, p_limit integer,
  p_after_at timestamptz default null, p_after_id bigint default null,
  out deleted integer, out last_at timestamptz, out last_id bigint
)
language plpgsql
set search_path = ''
as $$
declare
  v_after timestamptz := coalesce(p_after_at, '-infinity');
  v_cutoff timestamptz;
  v_unread_cutoff timestamptz;
begin
  deleted := 0;
  case p_target
  when 'skipped_runs' then
    v_cutoff := p_now - scheduler_internal.retention('skipped_run_retention');
    with doomed as (
      select r.id, r.created_at from scheduler.task_runs r
      where r.status = 'skipped' and r.created_at < v_cutoff and r.created_at >= v_after
      order by r.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.task_runs r using doomed d where r.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'finished_runs' then
    v_cutoff := p_now - scheduler_internal.retention('run_retention');
    with doomed as (
      select r.id, r.created_at from scheduler.task_runs r
      where r.status in ('completed', 'failed', 'cancelled') and r.created_at < v_cutoff and r.created_at >= v_after
        -- a task's latest completed or failed run stays: its dependents'
        -- edges (scheduler_internal.edge_satisfied) and task_summary read it
        and (r.status = 'cancelled' or exists (
          select 1 from scheduler.task_runs n
          where n.task_id = r.task_id and n.status in ('completed', 'failed')
            and (n.scheduled_time, n.attempt) > (r.scheduled_time, r.attempt)
        ))
      order by r.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.task_runs r using doomed d where r.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'events' then
    v_cutoff := p_now - scheduler_internal.retention('event_retention');
    if v_cutoff is null then
      return;
    end if;
    perform pg_catalog.set_config('scheduler.prune_events_before', v_cutoff::text, true);
    with doomed as (
      select e.id, e.created_at from scheduler.events e
      where e.created_at < v_cutoff and e.created_at >= v_after
        -- a run that has not finished may still read its event; a finished
        -- one keeps its own copy of the payload (inputs).
        -- the open states are task_runs_status_idx's, so this stays a probe
        -- of the open runs
        and not exists (
          select 1 from scheduler.task_runs r
          where r.status in ('queued', 'awaiting_approval', 'claimed', 'running') and r.event_id = e.id
        )
      order by e.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.events e using doomed d where e.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;
    perform pg_catalog.set_config('scheduler.prune_events_before', '', true);

  when 'notifications' then
    v_cutoff := p_now - scheduler_internal.retention('notification_retention');
    v_unread_cutoff := p_now - scheduler_internal.retention('unread_notification_retention');
    with doomed as (
      select n.id, n.created_at from scheduler.notifications n
      where n.created_at < greatest(v_cutoff, v_unread_cutoff) and n.created_at >= v_after
        and n.created_at < case when n.status = 'unread' then v_unread_cutoff else v_cutoff end
      order by n.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.notifications n using doomed d where n.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'audit_trail' then
    v_cutoff := p_now - scheduler_internal.retention('audit_retention');
    with doomed as (
      select a.id, a.created_at from scheduler.audit_trail a
      where a.created_at < v_cutoff and a.created_at >= v_after
      order by a.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.audit_trail a using doomed d where a.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'system_logs' then
    v_cutoff := p_now - scheduler_internal.retention('log_retention');
    with doomed as (
      select l.id, l.created_at from scheduler.system_logs l
      where l.created_at < v_cutoff and l.created_at >= v_after
      order by l.created_at
      limit p_limit
    ), gone as (
      delete from scheduler.system_logs l using doomed d where l.id = d.id returning d.created_at
    )
    select count(*)::integer, max(g.created_at) into deleted, last_at from gone g;

  when 'cron_history' then
    -- only the scheduler's own jobs (scheduled by this role), current or
    -- retired; the table cannot be indexed, so it is walked by its key
    v_cutoff := p_now - scheduler_internal.retention('cron_history_retention');
    with jobs as (
      select j.jobid from cron.job j
      where j.jobname = any (scheduler_internal.scheduler_cron_job_names()) and j.username = current_user
      union
      select r.jobid from scheduler_internal.retired_cron_jobs r
    ), doomed as (
      select d.runid from cron.job_run_details d
      where d.runid > coalesce(p_after_id, 0)
        and d.jobid in (select jobid from jobs)
        and coalesce(d.end_time, d.start_time) < v_cutoff
      order by d.runid
      limit p_limit
    ), gone as (
      delete from cron.job_run_details d using doomed x where d.runid = x.runid returning d.runid
    )
    select count(*)::integer, max(g.runid) into deleted, last_id from gone g;

  when 'http_responses' then
    -- only responses to requests scheduler_tick recorded; a response comes
    -- after its request, within the hour unless pg_net's worker was down
    -- (then pg_net.ttl removes it), which also keeps a reused id (pg_net
    -- reinstalled) from naming someone else's response
    v_cutoff := p_now - scheduler_internal.retention('http_response_retention');
    with doomed as (
      select q.request_id, q.created_at from scheduler_internal.dispatcher_requests q
      where q.created_at < v_cutoff
      order by q.request_id
      limit p_limit
    ), responses as (
      delete from net._http_response r using doomed d
      where r.id = d.request_id and r.created >= d.created_at and r.created < d.created_at + interval '1 hour'
    ), gone as (
      delete from scheduler_internal.dispatcher_requests q using doomed d where q.request_id = d.request_id returning q.request_id
    )
    select count(*)::integer, max(g.request_id) into deleted, last_id from gone g;

  when 'idempotency_keys' then
    -- a key past its window collapses nothing any more (the window is read
    -- now, as claim_idempotency_key reads it)
    v_cutoff := p_now - coalesce((scheduler_internal.setting('idempotency_window') #>> '{}')::interval, interval '24 hours');
    with doomed as (
      select k.scope, k.scope_id, k.key, k.taken_at from scheduler_internal.idempotency_keys k
      where k.taken_at < v_cutoff and k.taken_at >= v_after
      order by k.taken_at
      limit p_limit
    ), gone as (
      delete from scheduler_internal.idempotency_keys k using doomed d
      where k.scope = d.scope and k.scope_id = d.scope_id and k.key = d.key and k.taken_at < v_cutoff
      returning d.taken_at
    )
    select count(*)::integer, max(g.taken_at) into deleted, last_at from gone g;

  else
    raise exception 'prune_batch: unknown target %', p_target using errcode = '22023';
  end case;
end;
$$;

comment on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) is 'Deletes up to p_limit rows of one target (skipped_runs, finished_runs, events, notifications, audit_trail, system_logs, cron_history, http_responses, idempotency_keys) older than its retention at p_now, after the cursor (p_after_at / p_after_id) of the previous batch. Returns how many and the new cursor.';

revoke execute on function scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint) from public, anon, authenticated, service_role;

-- supabase/schemas/27_housekeeping/prune_history.sql ---------------------------

create or replace function scheduler.prune_history(p_now timestamptz default now(), p_max_batches integer default 1000)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_state jsonb := jsonb_build_object('now', p_now, 'max_batches', p_max_batches);
begin
  loop
    v_state := scheduler_internal.prune_step(v_state);
    exit when (v_state ->> 'done')::boolean;
  end loop;
  return v_state - 'done' - 'now' - 'max_batches';
end;
$$;

comment on function scheduler.prune_history(timestamptz, integer) is 'The daily pruning in the caller''s transaction (tests, a manual run): every target of scheduler_internal.prune_step, up to p_max_batches batches each. Returns {"deleted": {target: rows}, "errors": {...}}. The prune-history job runs the same steps, committing after each.';

revoke execute on function scheduler.prune_history(timestamptz, integer) from public, anon, authenticated, service_role;

-- supabase/schemas/27_housekeeping/prune_step.sql ------------------------------

-- one step of the pruning, as a state machine over the targets, so the
-- caller decides where the transactions end: the prune-history job commits
-- after every step, scheduler.prune_history runs them all in the caller's.
create or replace function scheduler_internal.prune_step(p_state jsonb default '{}') returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  -- runs first: the events and notifications they held on to go next
  v_targets constant text[] := array['skipped_runs', 'finished_runs', 'events', 'notifications', 'audit_trail',
                                     'system_logs', 'cron_history', 'http_responses', 'idempotency_keys'];
  v_state jsonb := coalesce(p_state, '{}');
  v_now timestamptz := coalesce((v_state ->> 'now')::timestamptz, now());
  v_max integer := coalesce((v_state ->> 'max_batches')::integer, 1000);
  v_limit integer := coalesce((scheduler_internal.setting('prune_batch_size'))::integer, 5000);
  v_target text := coalesce(v_state ->> 'target', v_targets[1]);
  v_batches integer := coalesce((v_state ->> 'batches')::integer, 0) + 1;
  v_position integer := array_position(v_targets, v_target);
  v_deleted integer := 0;
  v_last_at timestamptz;
  v_last_id bigint;
begin
  if coalesce((v_state ->> 'done')::boolean, false) then
    return v_state;
  end if;
  if v_position is null then
    raise exception 'prune_step: unknown target %', v_target using errcode = '22023';
  end if;
  begin
    select b.deleted, b.last_at, b.last_id into v_deleted, v_last_at, v_last_id
    from scheduler_internal.prune_batch(v_target, v_now, v_limit, (v_state ->> 'after_at')::timestamptz, (v_state ->> 'after_id')::bigint) b;
  exception when others then
    -- a failing target is reported and skipped; the others still run
    v_state := v_state || jsonb_build_object('errors', coalesce(v_state -> 'errors', '{}')
      || jsonb_build_object(v_target, scheduler_internal.log_failure('prune_history', v_target, sqlstate, sqlerrm)));
    v_deleted := 0;
  end;
  v_state := v_state || jsonb_build_object('now', v_now, 'max_batches', v_max,
    'deleted', coalesce(v_state -> 'deleted', '{}')
      || jsonb_build_object(v_target, coalesce((v_state #>> array['deleted', v_target])::bigint, 0) + v_deleted));
  if v_deleted >= v_limit and v_batches < v_max then
    return v_state || jsonb_build_object('target', v_target, 'batches', v_batches, 'after_at', v_last_at, 'after_id', v_last_id);
  end if;
  v_state := v_state - 'after_at' - 'after_id';
  if v_position = cardinality(v_targets) then
    return v_state - 'target' - 'batches' || '{"done": true}'::jsonb;
  end if;
  return v_state || jsonb_build_object('target', v_targets[v_position + 1], 'batches', 0);
end;
$$;

comment on function scheduler_internal.prune_step(jsonb) is 'One batch of the daily pruning. Takes the state the previous step returned ({} to start; {"now": ..., "max_batches": ...} to choose them) and returns the next, with deleted counts (and errors) per target; {"done": true} when every target is done. The prune-history job commits after each step.';

revoke execute on function scheduler_internal.prune_step(jsonb) from public, anon, authenticated, service_role;

-- supabase/schemas/27_housekeeping/scheduler_cron_job_names.sql ----------------

create or replace function scheduler_internal.scheduler_cron_job_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['scheduler-tick', 'scheduler-watchdog', 'prune-history', 'cleanup-expired-sessions']
$$;

comment on function scheduler_internal.scheduler_cron_job_names() is 'The pg_cron jobs the scheduler schedules (as the migration role); only their cron.job_run_details rows are pruned.';

revoke execute on function scheduler_internal.scheduler_cron_job_names() from public, anon, authenticated, service_role;

-- supabase/schemas/30_tables/010_profiles.sql ----------------------------------

-- profiles: the seed designs' users table, keyed to auth.users. a trigger on
-- auth.users creates the profile; only admins change roles and status.

create table scheduler.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  username text unique,
  name text,
  first_name text,
  last_name text,
  role scheduler.profile_role not null default 'user',
  status scheduler.profile_status not null default 'active',
  last_login timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.profiles is 'One row per auth user: display data, role (admin/user/viewer) and status. Seeds 000 and 004 users.';

comment on column scheduler.profiles.role is 'admin sees and manages everything; viewer may only read. Changed by admins only.';

create index profiles_role_idx on scheduler.profiles (role) where role = 'admin';

create index profiles_status_idx on scheduler.profiles (status);

alter table scheduler.profiles enable row level security;

-- profiles: read and edited by their user and by admins (a trigger keeps
-- role, status and email from users); created by the auth.users trigger and
-- removed with the user, never by a client
revoke all on table scheduler.profiles from anon, authenticated, service_role;

grant select, update on table scheduler.profiles to authenticated;

grant select, insert, update, delete on table scheduler.profiles to service_role;

create policy "Profiles are visible to their user and to admins" on scheduler.profiles
  for select to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Profiles can be edited by their user and by admins" on scheduler.profiles
  for update to authenticated
  using (id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.profiles
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _050_guard_role before update on scheduler.profiles
for each row execute function scheduler_internal.tg_profiles__guard_role();

create trigger _900_audit after insert or update or delete on scheduler.profiles
for each row execute function scheduler_internal.tg__audit('id');

create trigger scheduler_on_auth_user_created after insert on auth.users
for each row execute function scheduler_internal.tg_auth_users__create_profile();

create trigger scheduler_on_auth_user_email_changed after update of email on auth.users
for each row execute function scheduler_internal.tg_auth_users__sync_profile_email();

-- supabase/schemas/30_tables/020_projects.sql ----------------------------------

-- projects (seed 001): an optional grouping of tasks with project-level rules.

create table scheduler.projects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  description text,
  rules jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.projects is 'Groups tasks. rules holds project-level scope rules, gates and triggers (seed 001).';

comment on column scheduler.projects.user_id is 'Owner of the project.';

create index projects_user_id_idx on scheduler.projects (user_id);

alter table scheduler.projects enable row level security;

-- projects: authors create their own, owners and admins read, edit and delete
revoke all on table scheduler.projects from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.projects to authenticated, service_role;

create policy "Projects are visible to their owner and to admins" on scheduler.projects
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Projects can be created by authors for themselves" on scheduler.projects
  for insert to authenticated
  with check ((user_id = (select auth.uid()) and (select scheduler_internal.can_author())) or (select scheduler_internal.is_admin()));

create policy "Projects can be edited by their owner and by admins" on scheduler.projects
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Projects can be deleted by their owner and by admins" on scheduler.projects
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.projects
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/030_tasks.sql -------------------------------------

-- tasks: seed 000's core table, with what the other seeds and a real
-- scheduler need (timezone, one-off run_at, retry, timeout, overlap and
-- misfire policies, approvals, soft delete, projects, full-text search).
-- next_run_at is maintained by the schedule trigger and the engine.

create table scheduler.tasks (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  description text,
  type text not null default 'scheduled',
  schedule_cron text,
  schedule_interval interval,
  run_at timestamptz,
  timezone text not null default 'UTC',
  next_run_at timestamptz,
  last_run_at timestamptz,
  is_active boolean not null default true,
  action_type text not null,
  action_payload jsonb not null default '{}'::jsonb,
  priority scheduler.task_priority not null default 'medium',
  tags text[] not null default '{}',
  metadata jsonb not null default '{}'::jsonb,
  acceptance_criteria text[] not null default '{}',
  constraints jsonb not null default '{}'::jsonb,
  max_attempts integer not null default 3,
  retry_backoff_seconds integer not null default 30,
  retry_backoff_max_seconds integer not null default 3600,
  timeout_seconds integer not null default 60,
  overlap_policy text not null default 'skip',
  misfire_policy text not null default 'run_once',
  requires_approval boolean not null default false,
  approval_ttl interval not null default '24 hours',
  project_id uuid references scheduler.projects (id) on delete set null,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search tsvector generated always as (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
  ) stored,
  -- flow control (README "Flow control"): null means no limit
  max_concurrency integer,
  rate_limit_count integer,
  rate_limit_period interval,
  debounce_window interval,
  debounce_inputs text not null default 'last',

  constraint tasks_type_check check (type in ('scheduled', 'event', 'manual')),
  constraint tasks_action_type_check check (action_type in ('http', 'ai-prompt', 'notify', 'sql', 'edge-function', 'watch')),
  constraint tasks_overlap_policy_check check (overlap_policy in ('skip', 'queue', 'allow')),
  constraint tasks_misfire_policy_check check (misfire_policy in ('skip', 'run_once')),
  constraint tasks_max_attempts_check check (max_attempts between 1 and 100),
  constraint tasks_retry_backoff_check check (retry_backoff_seconds between 1 and 86400 and retry_backoff_max_seconds >= retry_backoff_seconds),
  constraint tasks_timeout_seconds_check check (timeout_seconds between 1 and 900),
  constraint tasks_schedule_interval_check check (schedule_interval is null or schedule_interval >= interval '1 second'),
  constraint tasks_approval_ttl_check check (approval_ttl > interval '0'),
  constraint tasks_at_most_one_schedule check (num_nonnulls(schedule_cron, schedule_interval, run_at) <= 1),
  constraint tasks_scheduled_tasks_need_a_schedule check (type <> 'scheduled' or num_nonnulls(schedule_cron, schedule_interval, run_at) = 1),
  constraint tasks_max_concurrency_check check (max_concurrency between 1 and 10000),
  constraint tasks_rate_limit_check check (
    num_nonnulls(rate_limit_count, rate_limit_period) <> 1
    and rate_limit_count between 1 and 10000
    and rate_limit_period between interval '1 second' and interval '31 days'),
  constraint tasks_debounce_window_check check (debounce_window between interval '1 second' and interval '1 day'),
  constraint tasks_debounce_inputs_check check (debounce_inputs in ('last', 'all'))
)
-- room on each page for the claim's per-run advance of next_run_at and
-- last_run_at to stay a HOT update (no index covers them: the due index is
-- scheduler_internal.due_tasks). Half a page: a claim advances every task of
-- a page at once when they fall due together (a burst of one-offs), and an
-- update finds room only on its own page. Measured in the drain's burst
-- (bench/RESULTS.md, "Cost per run, after"): 13 % of the advances HOT at
-- fillfactor 90, 45 % at 70, all at 50; tasks due at different times are
-- pruned between their claims and need far less
with (fillfactor = 50);

comment on table scheduler.tasks is 'What to run, when, and how. Seed 000 core names; see docs/data-model.md.';

comment on column scheduler.tasks.type is 'How runs start: scheduled (schedule_cron, schedule_interval or run_at), event (task_event_triggers), manual (run_task_now). Seed categories such as Reminder go in tags.';

comment on column scheduler.tasks.schedule_cron is 'Cron expression (5 or 6 fields, names, macros), evaluated in timezone. See docs/cron.md.';

comment on column scheduler.tasks.schedule_interval is 'Fixed interval between runs (seconds allowed).';

comment on column scheduler.tasks.run_at is 'One-off run time.';

comment on column scheduler.tasks.timezone is 'IANA timezone the cron expression is evaluated in.';

comment on column scheduler.tasks.next_run_at is 'Next due time, kept by the engine; null when nothing is scheduled.';

comment on column scheduler.tasks.action_type is 'Which Edge Function executes the task: http, ai-prompt, notify, sql (a database function, as the owner), edge-function (a function of the project, signed) or watch (a watcher: its runs are polls).';

comment on column scheduler.tasks.action_payload is 'The action''s input, validated against its schema (shared/contract.ts).';

comment on column scheduler.tasks.max_attempts is 'Attempts per due time, the first included. Retries back off exponentially with jitter.';

comment on column scheduler.tasks.overlap_policy is 'When a run is still going at the next due time: skip it, queue it behind, or allow both.';

comment on column scheduler.tasks.misfire_policy is 'After the scheduler was down: skip to the next future time, or run once to catch up.';

comment on column scheduler.tasks.requires_approval is 'Each run waits in awaiting_approval until a human approves it.';

comment on column scheduler.tasks.deleted_at is 'Soft delete: hidden from the scheduler, history kept.';

comment on column scheduler.tasks.max_concurrency is 'At most this many runs of the task claimed or running at once (null: no limit); further runs wait in the queue, in order. Tasks with overlap_policy skip or queue already run one at a time, so it matters with allow.';

comment on column scheduler.tasks.rate_limit_count is 'With rate_limit_period: at most this many starts in any rate_limit_period (null: no limit). A scheduled occurrence over it is skipped, any other run waits for room; both say so in the run.';

comment on column scheduler.tasks.rate_limit_period is 'The sliding window of rate_limit_count (1 second to 31 days).';

comment on column scheduler.tasks.debounce_window is 'Events within this window of the first one start one run, at the end of the window (null: one run per event).';

comment on column scheduler.tasks.debounce_inputs is 'What a debounced run gets as inputs: last (the last event''s payload) or all ({"events": [{event_id, event_type, payload}, ...]}).';

comment on column scheduler.tasks.search is 'Full-text search over name and description (seed 004): where search @@ websearch_to_tsquery(''english'', ...).';

create index tasks_owner_id_idx on scheduler.tasks (owner_id);

create index tasks_created_by_idx on scheduler.tasks (created_by);

create index tasks_project_id_idx on scheduler.tasks (project_id);

create index tasks_priority_idx on scheduler.tasks (priority);

-- the few tasks with a max_concurrency or a rate limit: the claim asks
-- whether there are any before it explains the runs they hold back
create index tasks_flow_rules_idx on scheduler.tasks (id)
  where max_concurrency is not null or rate_limit_count is not null;

create index tasks_created_at_idx on scheduler.tasks (created_at desc);

create index tasks_tags_idx on scheduler.tasks using gin (tags);

create index tasks_search_idx on scheduler.tasks using gin (search);

alter table scheduler.tasks enable row level security;

-- tasks: owners, sharees and admins read; authors create for themselves;
-- owners, editors and admins edit; owners and admins delete
revoke all on table scheduler.tasks from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.tasks to authenticated, service_role;

-- tasks: owners have full control, sharing grants view or edit, admins manage all
create policy "Tasks are visible to owners, sharees and admins" on scheduler.tasks
  for select to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_view_task(id));

create policy "Tasks can be edited by owners, editors and admins" on scheduler.tasks
  for update to authenticated
  using (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id))
  with check (owner_id = (select auth.uid()) or scheduler_internal.can_edit_task(id));

create policy "Tasks can be deleted by owners and admins" on scheduler.tasks
  for delete to authenticated
  using (owner_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Tasks can be created by authors for themselves" on scheduler.tasks
  for insert to authenticated
  with check (
    (owner_id = (select auth.uid()) and created_by = (select auth.uid()) and (select scheduler_internal.can_author()))
    or (select scheduler_internal.is_admin())
  );

create trigger _100_set_updated_at before update on scheduler.tasks
for each row execute function scheduler_internal.tg__set_updated_at();

-- only when the columns it checks are written: the engine's next_run_at bookkeeping skips it
create trigger _010_validate before insert or update of action_type, type, schedule_cron, schedule_interval, run_at, timezone,
  description, tags, acceptance_criteria, metadata, constraints on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate();

create trigger _020_guard_ownership before update of owner_id, created_by on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__guard_ownership();

-- the engine advances next_run_at and last_run_at on every claim and
-- completion; that bookkeeping is not an audited change, so updates are
-- audited only when a column a person sets is written
create trigger _900_audit after insert or delete on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');

create trigger _901_audit_update after update of
  name, description, type, schedule_cron, schedule_interval, run_at, timezone, is_active, action_type, action_payload,
  priority, tags, metadata, acceptance_criteria, constraints, max_attempts, retry_backoff_seconds, retry_backoff_max_seconds,
  timeout_seconds, overlap_policy, misfire_policy, requires_approval, approval_ttl, project_id, created_by, owner_id, deleted_at,
  max_concurrency, rate_limit_count, rate_limit_period, debounce_window, debounce_inputs
on scheduler.tasks
for each row execute function scheduler_internal.tg__audit('id');

-- only when project_id is written: the engine's bookkeeping skips it
create trigger _030_check_project before insert or update of project_id on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_project();

-- at commit, so the steps of a new ai-prompt task may follow it
create constraint trigger _050_check_something_to_ask after insert or update of action_type, action_payload, is_active, deleted_at
on scheduler.tasks deferrable initially deferred
for each row when (new.action_type = 'ai-prompt')
execute function scheduler_internal.tg_tasks__check_something_to_ask();

create trigger _030_schedule before insert or update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__schedule();

-- statement level on insert, so a bulk insert costs one insert of its owners
create trigger _900_ensure_signing_secret after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__ensure_signing_secret();

-- transition tables cannot go with a column list, so changes are per row
create trigger _900_ensure_signing_secret_on_change after update of action_type, owner_id on scheduler.tasks
for each row when (new.action_type in ('http', 'edge-function', 'watch'))
execute function scheduler_internal.tg_tasks__ensure_signing_secret();

create trigger _011_validate_payload before insert or update of action_type, action_payload on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate_payload();

create trigger _013_validate_flow_control before insert or update of max_concurrency, rate_limit_count, rate_limit_period,
  debounce_window, debounce_inputs on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__validate_flow_control();

create trigger _012_check_timeout before insert or update of timeout_seconds on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_timeout();

-- before the target check, so a non-admin asking for service_role hears that first
create trigger _013_guard_run_as before insert or update of action_type, action_payload, owner_id on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__guard_run_as();

-- a watcher polling a database function (source.type sql) names one like a sql task
create trigger _014_check_action_target before insert or update of action_type, action_payload, owner_id on scheduler.tasks
for each row when (new.action_type in ('sql', 'edge-function')
  or (new.action_type = 'watch' and new.action_payload -> 'source' ->> 'type' = 'sql'))
execute function scheduler_internal.tg_tasks__check_action_target();

create trigger _910_wake_dispatcher_on_insert after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__wake_dispatcher_on_insert();

-- only the user's edits (the columns that move next_run_at): the claim's own
-- advance of next_run_at never wakes anyone
create trigger _911_wake_dispatcher_on_update after update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy
on scheduler.tasks
for each row
when (new.is_active and new.deleted_at is null and new.next_run_at is not null
      and new.next_run_at is distinct from old.next_run_at
      and new.next_run_at < now() + interval '2 minutes')
execute function scheduler_internal.tg_tasks__wake_dispatcher_on_update();

-- the claim's due index (scheduler_internal.due_tasks) follows every write;
-- statement level (transition tables cannot go with a column list, nor with
-- two events), so a claim's batch costs one statement
create trigger _930_sync_due_on_insert after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__sync_due();

create trigger _930_sync_due_on_update after update on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__sync_due();

-- a watch task's state row (scheduler.watchers): made with the task, reset
-- when what it watches changes or it is resumed, removed when it stops being
-- a watcher. Row triggers with a when clause cost other tasks nothing
create trigger _920_sync_watcher_on_insert after insert on scheduler.tasks
for each row when (new.action_type = 'watch')
execute function scheduler_internal.tg_tasks__sync_watcher();

create trigger _920_sync_watcher_on_update after update of action_type, action_payload, is_active on scheduler.tasks
for each row when (new.action_type = 'watch' or old.action_type = 'watch')
execute function scheduler_internal.tg_tasks__sync_watcher();

-- supabase/schemas/30_tables/040_task_permissions.sql --------------------------

-- task_permissions (seed 000): sharing a task with another user for viewing or
-- editing.

create table scheduler.task_permissions (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  can_view boolean not null default true,
  can_edit boolean not null default false,
  granted_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (task_id, user_id),
  constraint editing_implies_viewing check (not can_edit or can_view)
);

comment on table scheduler.task_permissions is 'Shares a task with another user: can_view to read it and its runs, can_edit to change it. A viewer never writes.';

create index task_permissions_user_id_idx on scheduler.task_permissions (user_id);

create index task_permissions_granted_by_idx on scheduler.task_permissions (granted_by);

alter table scheduler.task_permissions enable row level security;

-- task_permissions: the task owner, the grantee and admins read; the task
-- owner and admins share, change and revoke
revoke all on table scheduler.task_permissions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_permissions to authenticated, service_role;

create policy "Task permissions are visible to the task owner, the grantee and admins" on scheduler.task_permissions
  for select to authenticated
  using (user_id = (select auth.uid()) or scheduler_internal.owns_task(task_id));

create policy "Task permissions can be changed by the task owner and admins" on scheduler.task_permissions
  for update to authenticated
  using (scheduler_internal.owns_task(task_id))
  with check (scheduler_internal.owns_task(task_id));

create policy "Task permissions can be revoked by the task owner and admins" on scheduler.task_permissions
  for delete to authenticated
  using (scheduler_internal.owns_task(task_id));

create policy "Task permissions can be granted by the task owner and admins" on scheduler.task_permissions
  for insert to authenticated
  with check (
    scheduler_internal.owns_task(task_id)
    and (granted_by = (select auth.uid()) or (select scheduler_internal.is_admin()))
  );

create trigger _100_set_updated_at before update on scheduler.task_permissions
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_audit after insert or update or delete on scheduler.task_permissions
for each row execute function scheduler_internal.tg__audit('task_id');

create trigger _020_guard_attribution before update of granted_by on scheduler.task_permissions
for each row execute function scheduler_internal.tg__guard_attribution('granted_by');

-- supabase/schemas/30_tables/050_task_dependencies.sql -------------------------

-- task_dependencies (seed 000): prerequisite edges between tasks, with the
-- edge type deciding which outcome of the prerequisite satisfies it. cycles,
-- self-dependency included, are refused with the path that would close.

create table scheduler.task_dependencies (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  depends_on_task_id uuid not null references scheduler.tasks (id) on delete cascade,
  dependency_type text not null default 'success',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (task_id, depends_on_task_id),
  constraint task_dependencies_dependency_type_check check (dependency_type in ('success', 'failure', 'always')),
  constraint a_task_cannot_depend_on_itself check (task_id <> depends_on_task_id)
);

comment on table scheduler.task_dependencies is 'task_id waits for depends_on_task_id. dependency_type: success (its latest run completed), failure (its latest run failed), always (its latest run finished either way).';

create index task_dependencies_depends_on_task_id_idx on scheduler.task_dependencies (depends_on_task_id);

alter table scheduler.task_dependencies enable row level security;

-- task_dependencies: whoever sees the dependent task reads; its editors who
-- also see the prerequisite add, change and remove
revoke all on table scheduler.task_dependencies from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_dependencies to authenticated, service_role;

create policy "Dependencies are visible to those who can see the dependent task" on scheduler.task_dependencies
  for select to authenticated
  using (scheduler_internal.can_view_task(task_id));

create policy "Dependencies can be added by editors between tasks they can see" on scheduler.task_dependencies
  for insert to authenticated
  with check (scheduler_internal.can_edit_task(task_id) and scheduler_internal.can_view_task(depends_on_task_id));

create policy "Dependencies can be changed by editors between tasks they can see" on scheduler.task_dependencies
  for update to authenticated
  using (scheduler_internal.can_edit_task(task_id))
  with check (scheduler_internal.can_edit_task(task_id) and scheduler_internal.can_view_task(depends_on_task_id));

create policy "Dependencies can be removed by editors of the dependent task" on scheduler.task_dependencies
  for delete to authenticated
  using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_refuse_cycles before insert or update of task_id, depends_on_task_id on scheduler.task_dependencies
for each row execute function scheduler_internal.tg_task_dependencies__refuse_cycles();

create trigger _900_audit after insert or update or delete on scheduler.task_dependencies
for each row execute function scheduler_internal.tg__audit('task_id');

-- supabase/schemas/30_tables/060_task_runs.sql ---------------------------------

-- task_runs (seed 000 run history, merged with seed 002's agent_tasks): one
-- row per attempt, with inputs, output, log summary, the lease of the worker
-- executing it (seed 001's locked_at / locked_by) and its duration.

create table scheduler.task_runs (
  id uuid primary key default scheduler_internal.uuid_v7(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  scheduled_time timestamptz not null,
  start_time timestamptz,
  end_time timestamptz,
  status scheduler.run_status not null default 'queued',
  attempt integer not null default 1 check (attempt >= 1),
  log text,
  log_summary jsonb,
  error_message text,
  triggered_by text not null default 'schedule',
  inputs jsonb,
  output jsonb,
  locked_at timestamptz,
  locked_by text,
  lease_expires_at timestamptz,
  duration_ms bigint generated always as (
    case when start_time is not null and end_time is not null
      then (extract(epoch from (end_time - start_time)) * 1000)::bigint end
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- one key per due time, kept by its retries
  idempotency_key text,
  -- the event that started the run; its payload is the run's inputs
  event_id uuid,
  -- who pressed run now (manual runs)
  requested_by uuid references auth.users (id) on delete set null,
  -- the run this one replays (replay_run, replay_runs)
  replay_of uuid references scheduler.task_runs (id) on delete set null,
  -- why the run waited in the queue (max_concurrency, rate limit, owner cap, debounce)
  wait_reason text,
  constraint task_runs_triggered_by_check check (
    triggered_by in ('schedule', 'manual', 'retry', 'dependency', 'replay', 'backfill') or triggered_by like 'event:%'
  ),
  constraint task_runs_end_after_start check (end_time is null or start_time is null or end_time >= start_time)
);

comment on table scheduler.task_runs is 'Run history: one row per attempt. Retries are new rows with attempt + 1.';

comment on column scheduler.task_runs.scheduled_time is 'When the run was due; the dispatcher starts it at this second.';

comment on column scheduler.task_runs.triggered_by is 'schedule, manual, retry, dependency, replay (replay_run, replay_runs), backfill (backfill) or event:<name>.';

comment on column scheduler.task_runs.requested_by is 'The user who queued the run: run_task_now (manual), replay_run and replay_runs (replay), backfill (backfill); null for the system and for other triggers.';

comment on column scheduler.task_runs.replay_of is 'The run this one replays (triggered_by replay): same task, same inputs, a new idempotency key. Null once that run is pruned.';

comment on column scheduler.task_runs.event_id is 'The event that started this run (triggered_by event:<name>). Its payload is the run''s inputs, so templates read {{inputs.<field>}}.';

comment on column scheduler.task_runs.wait_reason is 'Why the run waited in the queue: its task''s max_concurrency or rate limit, its owner''s cap on runs in flight, overlap_policy queue, or the debounce window that gathered its events. Kept once it starts, so a late start says why.';

comment on column scheduler.task_runs.log_summary is 'Structured summary of the execution (seed 002 logs_summary): steps, token usage, response metadata.';

comment on column scheduler.task_runs.idempotency_key is
  'The same for every attempt of one due time (the first attempt''s id unless set): sent as webhook-id / Idempotency-Key, so a receiver can tell a resend.';

comment on column scheduler.task_runs.lease_expires_at is
  'claimed: given back to the queue if not started by then. running: past it the outcome is unknown; the run is failed and retried under the same idempotency key.';

comment on column scheduler.task_runs.locked_by is 'The dispatcher invocation that claimed the run; only its action may start and record it.';

comment on column scheduler.task_runs.start_time is 'When the start gate let the run begin (null until then).';

create index task_runs_task_id_idx on scheduler.task_runs (task_id, scheduled_time desc);

create index task_runs_queued_idx on scheduler.task_runs (scheduled_time) where status = 'queued';

-- the pruning's walk of finished runs, in created_at order (prune_batch);
-- only final states are indexed: a run's earlier versions (claimed,
-- running) each cost an entry in every index they are in (3 a run when all
-- states were here, 1 now). No query orders or filters runs by start_time,
-- so it has no index (bench/RESULTS.md, "Cost per run": about 200 B of WAL
-- per run each)
create index task_runs_created_at_idx on scheduler.task_runs (created_at)
where status in ('completed', 'failed', 'cancelled', 'skipped');

-- deleting a user clears their requests without scanning the history
create index task_runs_requested_by_idx on scheduler.task_runs (requested_by) where requested_by is not null;

-- replays name what they replay: replay_runs skips a run already replayed,
-- and pruning a replayed run clears the link without a scan
create index task_runs_replay_of_idx on scheduler.task_runs (replay_of) where replay_of is not null;

-- exactly once per slot: a backfill run is the only backfill run of its
-- task at its due time, whoever else backfills the same range at once
create unique index task_runs_backfill_slot_idx on scheduler.task_runs (task_id, scheduled_time)
where triggered_by = 'backfill';

-- the later attempts of a due time carry its key: replay_runs asks whether
-- a run was retried (only retries and resent runs carry one)
create index task_runs_idempotency_key_idx on scheduler.task_runs (task_id, idempotency_key)
where idempotency_key is not null;

-- no index on lease_expires_at: the reaper and the tick read the leases of
-- the runs in flight through task_runs_status_idx (claimed and running runs
-- are few, whatever the history), and an index on it cost every run two
-- entries and made each heartbeat (renew_leases moves only the lease) an
-- update that could never be HOT (bench/RESULTS.md, cost per run)

-- open runs by task: the claim and the start gate ask, for each task, whether
-- it has a run running or waiting. Keyed by status alone that was a probe of
-- the task's whole history; status stays first so lookups by status alone
-- are served too, and only open runs are indexed.
create index task_runs_status_idx on scheduler.task_runs (status, task_id)
where status in ('queued', 'awaiting_approval', 'claimed', 'running');

alter table scheduler.task_runs enable row level security;

-- task_runs: whoever sees the task reads; its editors queue, change and
-- delete runs. The engine (as service_role) claims, starts, completes,
-- retries and reaps them.
revoke all on table scheduler.task_runs from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_runs to authenticated, service_role;

create policy "Runs are visible to those who can see the task" on scheduler.task_runs
  for select to authenticated
  using (scheduler_internal.can_view_task(task_id));

create policy "Runs can be queued by editors of the task" on scheduler.task_runs
  for insert to authenticated
  with check (
    scheduler_internal.can_edit_task(task_id) and status = 'queued'
    and (requested_by is null or requested_by = (select auth.uid()))
  );

create policy "Runs can be changed by editors of the task" on scheduler.task_runs
  for update to authenticated
  using (scheduler_internal.can_edit_task(task_id))
  with check (scheduler_internal.can_edit_task(task_id));

create policy "Runs can be deleted by editors of the task" on scheduler.task_runs
  for delete to authenticated
  using (scheduler_internal.can_edit_task(task_id));

create trigger _010_validate before insert or update of inputs on scheduler.task_runs
for each row execute function scheduler_internal.tg_task_runs__validate();

create trigger _020_guard_attribution before update of requested_by on scheduler.task_runs
for each row execute function scheduler_internal.tg__guard_attribution('requested_by');

create trigger _100_set_updated_at before update on scheduler.task_runs
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_wake_dispatcher after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__wake_dispatcher();

create trigger _020_hold_for_approval before insert on scheduler.task_runs
for each row
when (new.status = 'queued' and (new.triggered_by like 'event:%' or new.triggered_by = 'dependency'))
execute function scheduler_internal.tg_task_runs__hold_for_approval();

create trigger _800_request_approvals after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__request_approvals();

-- supabase/schemas/30_tables/070_task_steps.sql --------------------------------

-- task_steps (seed 003): ordered steps of a multi-step (ai-prompt) workflow,
-- with the seed's constraints and indexes. Status, result, timing and retry
-- count describe the step's latest execution; run_id says which run that was.

create table scheduler.task_steps (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  step_order integer not null,
  step_name text not null,
  instructions text not null,
  include_previous_context boolean not null default false,
  context_data jsonb not null default '{}'::jsonb,
  status text not null default 'pending',
  execution_result jsonb not null default '{}'::jsonb,
  execution_started_at timestamptz,
  execution_completed_at timestamptz,
  error_message text,
  retry_count integer not null default 0,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  allowed_tools text[],
  requires_approval boolean not null default false,
  constraint task_steps_status_check check (status in ('pending', 'running', 'completed', 'failed', 'skipped')),
  constraint task_steps_step_order_positive check (step_order > 0),
  constraint task_steps_retry_count_non_negative check (retry_count >= 0),
  constraint unique_task_step_order unique (task_id, step_order)
);

comment on table scheduler.task_steps is 'Ordered steps of a workflow (seed 003). include_previous_context passes earlier steps'' outputs to this one.';

comment on column scheduler.task_steps.run_id is 'The run whose execution status, result and timing the step shows.';

comment on column scheduler.task_steps.allowed_tools is 'ai-prompt with mcp_servers: the tools this step''s model may call, within the task''s allowed_tools; null for all of those, {} for none.';

comment on column scheduler.task_steps.requires_approval is 'The run stops before this step until a person approves it (an approvals row, action_type step); rejected, the run is cancelled.';

create index task_steps_task_order_idx on scheduler.task_steps (task_id, step_order);

create index task_steps_status_idx on scheduler.task_steps (status);

create index task_steps_execution_time_idx on scheduler.task_steps (execution_started_at, execution_completed_at);

create index task_steps_pending_idx on scheduler.task_steps (task_id, step_order) where status = 'pending';

create index task_steps_context_gin_idx on scheduler.task_steps using gin (context_data);

create index task_steps_result_gin_idx on scheduler.task_steps using gin (execution_result);

create index task_steps_run_id_idx on scheduler.task_steps (run_id);

alter table scheduler.task_steps enable row level security;

-- task_steps: whoever sees the task reads; its editors write
revoke all on table scheduler.task_steps from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_steps to authenticated, service_role;

create policy "Steps are visible to those who can see the task" on scheduler.task_steps
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Steps can be added by editors of the task" on scheduler.task_steps
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Steps can be changed by editors of the task" on scheduler.task_steps
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Steps can be deleted by editors of the task" on scheduler.task_steps
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

-- the last step of an active ai-prompt task without a prompt may not go
create constraint trigger _050_check_something_to_ask after delete or update of task_id on scheduler.task_steps
deferrable initially deferred
for each row execute function scheduler_internal.tg_tasks__check_something_to_ask();

create trigger _100_set_updated_at before update on scheduler.task_steps
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_validate before insert or update of step_order, allowed_tools on scheduler.task_steps
for each row execute function scheduler_internal.tg_task_steps__validate();

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.task_steps
for each row execute function scheduler_internal.tg__check_run_link();

-- supabase/schemas/30_tables/080_approvals.sql ---------------------------------

-- approvals (seed 004): a human decision a run waits for. One decision only:
-- never both approved and rejected.

create table scheduler.approvals (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete cascade,
  action_type text not null,
  details jsonb not null default '{}'::jsonb,
  status text not null default 'pending',
  requested_by text not null default 'system',
  approved_by uuid references auth.users (id) on delete set null,
  approved_at timestamptz,
  rejected_by uuid references auth.users (id) on delete set null,
  rejected_at timestamptz,
  expires_at timestamptz,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint approvals_status_check check (status in ('pending', 'approved', 'rejected', 'expired')),
  constraint approval_cannot_be_both_approved_and_rejected check (approved_by is null or rejected_by is null),
  constraint approvals_decision_matches_status check (
    (status = 'approved' and approved_at is not null and rejected_at is null)
    or (status = 'rejected' and rejected_at is not null and approved_at is null)
    or (status in ('pending', 'expired') and approved_at is null and rejected_at is null)
  )
);

comment on table scheduler.approvals is 'A run held for a human decision (tasks.requires_approval). requested_by is a user id or ''system''.';

create index approvals_task_id_idx on scheduler.approvals (task_id);

create index approvals_run_id_idx on scheduler.approvals (run_id);

create index approvals_status_idx on scheduler.approvals (status);

create index approvals_expires_at_idx on scheduler.approvals (expires_at) where status = 'pending';

create index approvals_approved_by_idx on scheduler.approvals (approved_by, status);

create index approvals_rejected_by_idx on scheduler.approvals (rejected_by);

create index approvals_status_requested_idx on scheduler.approvals (status, requested_by);

alter table scheduler.approvals enable row level security;

-- approvals: whoever sees the task reads; its editors request, decide and
-- delete (decide_approval records the decider)
revoke all on table scheduler.approvals from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.approvals to authenticated, service_role;

create policy "Approvals are visible to those who can see the task" on scheduler.approvals
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Approvals can be requested by editors of the task" on scheduler.approvals
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Approvals can be decided by editors of the task" on scheduler.approvals
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Approvals can be deleted by editors of the task" on scheduler.approvals
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.approvals
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _010_validate before insert or update on scheduler.approvals
for each row execute function scheduler_internal.tg_approvals__validate();

create trigger _900_audit after insert or update or delete on scheduler.approvals
for each row execute function scheduler_internal.tg__audit('id');

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.approvals
for each row execute function scheduler_internal.tg__check_run_link();

create trigger _020_guard_deciders before insert or update of approved_by, rejected_by on scheduler.approvals
for each row execute function scheduler_internal.tg_approvals__guard_deciders();

-- supabase/schemas/30_tables/090_notifications.sql -----------------------------

-- notifications (seed 004): messages to a user. The web channel is the row
-- itself (Realtime pushes it); email and webhook deliveries are recorded here
-- too. Recipients read them and mark them read; only the system writes them.

create table scheduler.notifications (
  id uuid primary key default scheduler_internal.uuid_v7(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null,
  message text,
  type text not null default 'info',
  priority text not null default 'normal',
  status text not null default 'unread',
  data jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  sent_at timestamptz default now(),
  scheduled_for timestamptz,
  channel text not null default 'web',
  task_id uuid references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint chk_notification_type check (type in ('alert', 'approval', 'status', 'error', 'info')),
  constraint chk_notification_priority check (priority in ('low', 'normal', 'high', 'urgent')),
  constraint chk_notification_status check (status in ('unread', 'read', 'archived')),
  constraint chk_notification_channel check (channel in ('web', 'email', 'push', 'sms', 'webhook'))
);


comment on table scheduler.notifications is 'Messages to a user (seed 004). Written by the engine and the notify action; recipients may only change status and read_at.';

create index notifications_user_id_idx on scheduler.notifications (user_id, created_at desc);

create index notifications_unread_idx on scheduler.notifications (user_id) where status = 'unread';

create index notifications_task_id_idx on scheduler.notifications (task_id);

create index notifications_run_id_idx on scheduler.notifications (run_id);

-- notifications are pruned by age; no index led with created_at
create index notifications_created_at_idx on scheduler.notifications (created_at);

alter table scheduler.notifications enable row level security;

-- notifications: the recipient reads (Realtime pushes the rows it may select)
-- and marks read, status and read_at only; the engine and the notify action
-- write them
revoke all on table scheduler.notifications from anon, authenticated, service_role;

grant select on table scheduler.notifications to authenticated;

grant update (status, read_at) on table scheduler.notifications to authenticated;

grant select, insert, update, delete on table scheduler.notifications to service_role;

create policy "Notifications are visible to their recipient" on scheduler.notifications
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Notifications can be marked read by their recipient" on scheduler.notifications
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create trigger _100_set_updated_at before update on scheduler.notifications
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.notifications
for each row execute function scheduler_internal.tg__check_run_link();

-- supabase/schemas/30_tables/100_events.sql ------------------------------------

-- events (seeds 000 and 001): an append-only log. Inserting an event starts
-- the tasks subscribed to its name in task_event_triggers (the engine).

create table scheduler.events (
  id uuid primary key default scheduler_internal.uuid_v7(),
  event_type text not null check (length(event_type) between 1 and 200),
  payload jsonb not null default '{}'::jsonb,
  project_id uuid references scheduler.projects (id) on delete set null,
  task_id uuid references scheduler.tasks (id) on delete set null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  -- a sender's key for this event (a webhook-id): a second event of the same
  -- owner with the same key inside idempotency_window is not recorded
  idempotency_key text
);


comment on table scheduler.events is 'Append-only event log (seed 001); event_type is the event''s name that task_event_triggers subscribe to (seed 000 name/type, details -> payload).';

comment on column scheduler.events.idempotency_key is 'The sender''s key for the event (e.g. a webhook-id). Another event of the same owner with the same key inside the idempotency_window setting (24 hours) is not recorded and starts nothing: webhooks are delivered twice.';

create index events_project_id_idx on scheduler.events (project_id);

create index events_task_id_idx on scheduler.events (task_id) where task_id is not null;

create index events_user_id_idx on scheduler.events (user_id);

create index events_event_type_idx on scheduler.events (event_type);

create index events_created_at_idx on scheduler.events (created_at desc);

create index events_project_created_idx on scheduler.events (project_id, created_at desc);

create index events_task_created_idx on scheduler.events (task_id, created_at desc);

-- an owner finds the event a key recorded
create index events_user_id_idempotency_key_idx on scheduler.events (user_id, idempotency_key, created_at desc)
where idempotency_key is not null;

create index events_payload_idx on scheduler.events using gin (payload jsonb_path_ops);

alter table scheduler.events enable row level security;

-- events: their owner and admins read; the owner records them; append-only
-- for everyone (a trigger refuses update and delete, service work included)
revoke all on table scheduler.events from anon, authenticated, service_role;

grant select, insert on table scheduler.events to authenticated, service_role;

create policy "Events are visible to their owner and to admins" on scheduler.events
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Events can be recorded by their owner" on scheduler.events
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (task_id is null or scheduler_internal.can_view_task(task_id))
    and (project_id is null or scheduler_internal.owns_project(project_id))
  );

create trigger _005_validate before insert on scheduler.events
for each row execute function scheduler_internal.tg_events__validate();

-- after validation (the key's length), before the row exists: a duplicate
-- is dropped here, so it starts nothing
create trigger _006_collapse_duplicates before insert on scheduler.events
for each row when (new.idempotency_key is not null)
execute function scheduler_internal.tg_events__collapse_duplicates();

create trigger _010_append_only before update or delete on scheduler.events
for each row execute function scheduler_internal.tg_events__append_only();

create trigger _010_append_only_truncate before truncate on scheduler.events
for each statement execute function scheduler_internal.tg_events__append_only();

create trigger _900_start_subscribed_tasks after insert on scheduler.events
referencing new table as new_events
for each statement execute function scheduler_internal.tg_events__start_subscribed_tasks();

-- supabase/schemas/30_tables/110_task_event_triggers.sql -----------------------

-- task_event_triggers (seed 000): which tasks an event starts
create table scheduler.task_event_triggers (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  event_name text not null check (length(event_name) between 1 and 200),
  payload_filter jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint task_event_triggers_task_event_key unique (task_id, event_name)
);

comment on table scheduler.task_event_triggers is 'Subscribes a task to events named event_name; payload_filter must be contained in the event payload (@>).';

create index task_event_triggers_event_name_idx on scheduler.task_event_triggers (event_name);

alter table scheduler.task_event_triggers enable row level security;

-- task_event_triggers: whoever sees the task reads; its editors subscribe,
-- change and unsubscribe it
revoke all on table scheduler.task_event_triggers from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.task_event_triggers to authenticated, service_role;

create policy "Event triggers are visible to those who can see the task" on scheduler.task_event_triggers
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Event triggers can be added by editors of the task" on scheduler.task_event_triggers
  for insert to authenticated with check (scheduler_internal.can_edit_task(task_id));

create policy "Event triggers can be changed by editors of the task" on scheduler.task_event_triggers
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Event triggers can be removed by editors of the task" on scheduler.task_event_triggers
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _100_set_updated_at before update on scheduler.task_event_triggers
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/120_sessions.sql ----------------------------------

-- sessions (seed 004, with seed 001's agent_sessions merged into checkpoints):
-- application sessions with expiry. Expired sessions are swept daily by
-- pg_cron and, for one user, whenever that user starts a new session.

create table scheduler.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  token text not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  last_accessed timestamptz not null default now(),
  ip_address inet,
  user_agent text,
  is_revoked boolean not null default false,
  updated_at timestamptz not null default now()
);

comment on table scheduler.sessions is 'Application sessions (seed 004). Store a hash of the token, not the token.';

create index sessions_user_id_idx on scheduler.sessions (user_id);

create index sessions_expires_at_idx on scheduler.sessions (expires_at);

alter table scheduler.sessions enable row level security;

-- sessions:
-- their user and admins read, revoke and end them; only their user starts one
revoke all on table scheduler.sessions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.sessions to authenticated, service_role;

create policy "Sessions can be started by their user" on scheduler.sessions
  for insert to authenticated with check (user_id = (select auth.uid()));

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

create trigger _100_set_updated_at before update on scheduler.sessions
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_remove_expired_of_user after insert on scheduler.sessions
for each row execute function scheduler_internal.tg_sessions__remove_expired_of_user();

-- supabase/schemas/30_tables/130_user_preferences.sql --------------------------

-- user_preferences (seed 000; seed 004's users.preferences merged here).

create table scheduler.user_preferences (
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  preference_key text not null check (length(preference_key) between 1 and 100),
  preference_value jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, preference_key)
);

comment on table scheduler.user_preferences is 'Per-user settings, e.g. default_view = "gantt" (seed 000).';

alter table scheduler.user_preferences enable row level security;

-- user_preferences: their user and admins read, change and remove; only their
-- user sets one
revoke all on table scheduler.user_preferences from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.user_preferences to authenticated, service_role;

create policy "Preferences can be set by their user" on scheduler.user_preferences
  for insert to authenticated with check (user_id = (select auth.uid()));

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

create trigger _100_set_updated_at before update on scheduler.user_preferences
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/140_artifacts.sql ---------------------------------

-- artifacts (seed 001's work products, with seed 004's file_attachments
-- merged in: a stored file is an artifact whose ref is its Storage path).

create table scheduler.artifacts (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  type text not null default 'other',
  ref text not null,
  summary text,
  mime_type text,
  file_size bigint check (file_size is null or file_size >= 0),
  hash_checksum text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint artifacts_type_check check (type in ('diff', 'pr', 'test_report', 'document', 'file', 'other'))
);

comment on table scheduler.artifacts is 'Outputs of a task (seed 001) and attached files (seed 004 file_attachments: ref is the Storage path).';

create index artifacts_task_id_idx on scheduler.artifacts (task_id);

create index artifacts_run_id_idx on scheduler.artifacts (run_id);

create index artifacts_user_id_idx on scheduler.artifacts (user_id);

create index artifacts_type_idx on scheduler.artifacts (type);

create index artifacts_created_at_idx on scheduler.artifacts (created_at desc);

create index artifacts_task_created_idx on scheduler.artifacts (task_id, created_at desc);

alter table scheduler.artifacts enable row level security;

revoke all on table scheduler.artifacts from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.artifacts to authenticated, service_role;

create policy "Artifacts are visible to those who can see the task" on scheduler.artifacts
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Artifacts can be added by editors of the task" on scheduler.artifacts
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.can_edit_task(task_id));

create policy "Artifacts can be changed by editors of the task" on scheduler.artifacts
  for update to authenticated using (scheduler_internal.can_edit_task(task_id)) with check (scheduler_internal.can_edit_task(task_id));

create policy "Artifacts can be deleted by editors of the task" on scheduler.artifacts
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__check_run_link();

create trigger _020_guard_attribution before update of user_id on scheduler.artifacts
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.artifacts
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/150_checkpoints.sql -------------------------------

-- checkpoints (seed 001, with its agent_sessions merged in): resumable
-- snapshots of a project.

create table scheduler.checkpoints (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  label text not null,
  repo_ref text,
  summary text,
  resume_instructions text,
  snapshot jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.checkpoints is 'Resumable project snapshots (seed 001; seed 001 agent_sessions merged here).';

create index checkpoints_project_id_idx on scheduler.checkpoints (project_id);

create index checkpoints_user_id_idx on scheduler.checkpoints (user_id);

create index checkpoints_created_at_idx on scheduler.checkpoints (created_at desc);

create index checkpoints_project_created_idx on scheduler.checkpoints (project_id, created_at desc);

alter table scheduler.checkpoints enable row level security;

revoke all on table scheduler.checkpoints from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.checkpoints to authenticated, service_role;

create policy "Checkpoints are visible to the project owner and admins" on scheduler.checkpoints
  for select to authenticated using (scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be saved by the project owner" on scheduler.checkpoints
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be changed by the project owner and admins" on scheduler.checkpoints
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));

create policy "Checkpoints can be deleted by the project owner and admins" on scheduler.checkpoints
  for delete to authenticated using (scheduler_internal.owns_project(project_id));

create trigger _020_guard_attribution before update of user_id on scheduler.checkpoints
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.checkpoints
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/160_decisions.sql ---------------------------------

-- decisions (seed 001): design decisions of a project, with their options
-- and rationale.

create table scheduler.decisions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references scheduler.projects (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  options jsonb not null default '[]'::jsonb,
  choice text,
  rationale text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table scheduler.decisions is 'Design decisions with options and rationale (seed 001).';

create index decisions_project_id_idx on scheduler.decisions (project_id);

create index decisions_user_id_idx on scheduler.decisions (user_id);

create index decisions_created_at_idx on scheduler.decisions (created_at desc);

create index decisions_project_created_idx on scheduler.decisions (project_id, created_at desc);

alter table scheduler.decisions enable row level security;

revoke all on table scheduler.decisions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.decisions to authenticated, service_role;

create policy "Decisions are visible to the project owner and admins" on scheduler.decisions
  for select to authenticated using (scheduler_internal.owns_project(project_id));

create policy "Decisions can be recorded by the project owner" on scheduler.decisions
  for insert to authenticated with check (user_id = (select auth.uid()) and scheduler_internal.owns_project(project_id));

create policy "Decisions can be changed by the project owner and admins" on scheduler.decisions
  for update to authenticated using (scheduler_internal.owns_project(project_id)) with check (scheduler_internal.owns_project(project_id));

create policy "Decisions can be deleted by the project owner and admins" on scheduler.decisions
  for delete to authenticated using (scheduler_internal.owns_project(project_id));

create trigger _020_guard_attribution before update of user_id on scheduler.decisions
for each row execute function scheduler_internal.tg__guard_attribution('user_id');

create trigger _100_set_updated_at before update on scheduler.decisions
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/170_system_logs.sql -------------------------------

-- system_logs (seed 004): operational log of the engine and the functions.
-- Written by service work only, read by admins. The seed's monthly
-- partitioning is left for later: prune-run-history trims it instead.

create table scheduler.system_logs (
  id uuid primary key default scheduler_internal.uuid_v7(),
  created_at timestamptz not null default now(),
  level text not null,
  module text,
  message text not null,
  user_id uuid references auth.users (id) on delete set null,
  task_id uuid references scheduler.tasks (id) on delete set null,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  request_id text,
  ip_address inet,
  user_agent text,
  metadata jsonb not null default '{}'::jsonb,
  constraint chk_log_level check (level in ('debug', 'info', 'warning', 'error', 'critical'))
);


comment on table scheduler.system_logs is 'Operational log (seed 004; its timestamp column is created_at here).';

create index system_logs_created_at_idx on scheduler.system_logs (created_at desc);

create index system_logs_level_idx on scheduler.system_logs (level);

create index system_logs_module_level_idx on scheduler.system_logs (module, level);

create index system_logs_user_created_idx on scheduler.system_logs (user_id, created_at desc);

create index system_logs_task_id_idx on scheduler.system_logs (task_id);

create index system_logs_run_id_idx on scheduler.system_logs (run_id);

create index system_logs_fulltext_idx on scheduler.system_logs using gin (to_tsvector('english', message));

alter table scheduler.system_logs enable row level security;

-- system_logs: admins read; service work writes
revoke all on table scheduler.system_logs from anon, authenticated, service_role;

grant select on table scheduler.system_logs to authenticated;

grant select, insert, update, delete on table scheduler.system_logs to service_role;

create policy "System logs are visible to admins" on scheduler.system_logs
  for select to authenticated using ((select scheduler_internal.is_admin()));

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.system_logs
for each row execute function scheduler_internal.tg__check_run_link();

-- supabase/schemas/30_tables/180_audit_trail.sql -------------------------------

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

-- supabase/schemas/30_tables/190_owner_limits.sql ------------------------------

-- owner_limits: fair sharing between owners in the claim, per owner. An
-- owner without a row has weight 1 and the owner_max_in_flight setting as
-- its cap. Admins set them; an owner reads their own.

create table scheduler.owner_limits (
  owner_id uuid primary key references auth.users (id) on delete cascade,
  max_in_flight integer,
  weight integer not null default 1,
  note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint owner_limits_max_in_flight_check check (max_in_flight between 1 and 1000000),
  constraint owner_limits_weight_check check (weight between 1 and 100),
  constraint owner_limits_note_check check (length(note) <= 1000)
);

comment on table scheduler.owner_limits is 'Per-owner flow control in the claim: a cap on runs in flight and a weight in the fair share between owners. Owners without a row: weight 1, the owner_max_in_flight setting.';

comment on column scheduler.owner_limits.max_in_flight is 'At most this many runs of the owner''s tasks claimed or running at once; null: the owner_max_in_flight setting (itself null: no cap).';

comment on column scheduler.owner_limits.weight is 'Turns per round in the claim''s fair share: an owner with weight 3 has three runs claimed for every one of an owner with weight 1 while both have work due.';

alter table scheduler.owner_limits enable row level security;

-- owner_limits: the owner and admins read; admins set them, and so does
-- service work (a backend that provisions tenants). The claim
-- (service_role) reads them
revoke all on table scheduler.owner_limits from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.owner_limits to authenticated, service_role;

create policy "Owner limits are visible to their owner and to admins" on scheduler.owner_limits
  for select to authenticated
  using (owner_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Owner limits can be set by admins" on scheduler.owner_limits
  for insert to authenticated
  with check ((select scheduler_internal.is_admin()));

create policy "Owner limits can be changed by admins" on scheduler.owner_limits
  for update to authenticated
  using ((select scheduler_internal.is_admin()))
  with check ((select scheduler_internal.is_admin()));

create policy "Owner limits can be removed by admins" on scheduler.owner_limits
  for delete to authenticated
  using ((select scheduler_internal.is_admin()));

create trigger _010_validate before insert or update on scheduler.owner_limits
for each row execute function scheduler_internal.tg_owner_limits__validate();

create trigger _100_set_updated_at before update on scheduler.owner_limits
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_audit after insert or update or delete on scheduler.owner_limits
for each row execute function scheduler_internal.tg__audit('owner_id');

-- supabase/schemas/30_tables/190_watchers.sql ----------------------------------

-- watchers (seed 004): the state of a watch task, one row per task. A
-- watcher is a task with action_type `watch`: its schedule is the poll
-- schedule, its action_payload the source and how items are picked out
-- (seed 004's watcher_type and config), its is_active and created_by the
-- seed's. This row holds what the polls keep between them; the seen-set is
-- watcher_seen_items. It is made, reset and removed by the task's triggers
-- (tg_tasks__sync_watcher) and written by the watch action's two functions
-- (record_watcher_poll, record_watcher_error), never by a signed-in user.

create table scheduler.watchers (
  task_id uuid primary key references scheduler.tasks (id) on delete cascade,
  last_run timestamptz,
  last_success_at timestamptz,
  last_error text,
  error_count integer not null default 0,
  cursor jsonb,
  paused_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint watchers_error_count_check check (error_count >= 0),
  constraint watchers_last_error_length check (length(last_error) <= 2000)
);

comment on table scheduler.watchers is 'The state a watch task keeps between polls (seed 004 watchers: watcher_type and config are the task''s action_payload, is_active and created_by the task''s). One row per watch task, made by its trigger.';

comment on column scheduler.watchers.last_run is 'When the last poll ended, whether it succeeded or failed (seed 004).';

comment on column scheduler.watchers.last_success_at is 'When the last poll succeeded; null until the first, which seeds the seen-set without events under seed_first_poll.';

comment on column scheduler.watchers.last_error is 'The last poll''s error (seed 004); kept after a success for the record, error_count says whether it is current.';

comment on column scheduler.watchers.error_count is 'Failed polls in a row (seed 004); 0 after a success or a resume. Each one backs the next poll off; pause_after_errors of them pause the task.';

comment on column scheduler.watchers.cursor is 'The high-water mark: the largest cursor value emitted (mode items with cursor), or the hash of the last response (mode hash).';

comment on column scheduler.watchers.paused_at is 'When the watcher paused itself (tasks.is_active false) after pause_after_errors failed polls in a row; cleared when the task is resumed.';

alter table scheduler.watchers enable row level security;

-- watchers: whoever sees the task reads its state; only service work writes
-- it (the task's triggers as definer, the watch action as service_role)
revoke all on table scheduler.watchers from anon, authenticated, service_role;

grant select on table scheduler.watchers to authenticated;

grant select, insert, update, delete on table scheduler.watchers to service_role;

create policy "Watchers are visible to those who can see their task" on scheduler.watchers
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create trigger _100_set_updated_at before update on scheduler.watchers
for each row execute function scheduler_internal.tg__set_updated_at();

-- supabase/schemas/30_tables/200_watcher_seen_items.sql ------------------------

-- watcher_seen_items: a watcher's seen-set, one row per dedupe key, so that
-- only new items become events. Set-based: record_watcher_poll dedupes a
-- whole poll against it in one statement. Bounded by each watcher's
-- seen_limit (the least recently seen go first) and seen_max_age_days (a key
-- not seen in the feed for that long is forgotten), pruned at every poll.
-- An editor of the task may forget keys, so that those items are emitted
-- again when they are next seen.

create table scheduler.watcher_seen_items (
  task_id uuid not null references scheduler.watchers (task_id) on delete cascade,
  dedupe_key text not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  event_id uuid,
  primary key (task_id, dedupe_key),
  constraint watcher_seen_items_key_length check (length(dedupe_key) <= 512)
);

comment on table scheduler.watcher_seen_items is 'The dedupe keys a watcher has seen (its seen-set), bounded by seen_limit and seen_max_age_days; deleting a key makes its item new again.';

comment on column scheduler.watcher_seen_items.dedupe_key is 'The item''s key field (payload key), or the SHA-256 of its JSON with sorted keys; keys over 512 characters are kept as sha256:<hex>.';

comment on column scheduler.watcher_seen_items.last_seen_at is 'The last poll that listed it (refreshed at most hourly); the age bound counts from here, so an item still in the feed is never forgotten for its age.';

comment on column scheduler.watcher_seen_items.event_id is 'The event the item became; null when the first poll only remembered it (seed_first_poll). No foreign key: events are pruned by event_retention.';

-- the pruning by age and by size, per watcher
create index watcher_seen_items_last_seen_idx on scheduler.watcher_seen_items (task_id, last_seen_at);

alter table scheduler.watcher_seen_items enable row level security;

-- watcher_seen_items: whoever sees the task reads them; its editors forget
-- them; only service work records them
revoke all on table scheduler.watcher_seen_items from anon, authenticated, service_role;

grant select, delete on table scheduler.watcher_seen_items to authenticated;

grant select, insert, update, delete on table scheduler.watcher_seen_items to service_role;

create policy "Seen items are visible to those who can see the watcher's task" on scheduler.watcher_seen_items
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Seen items can be forgotten by editors of the watcher's task" on scheduler.watcher_seen_items
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));

-- supabase/schemas/30_tables/210_mcp_servers.sql -------------------------------

-- mcp_servers (seed 004): remote MCP servers whose tools an ai-prompt task
-- may give its model (action_payload.mcp_servers names them). Only Streamable
-- HTTP servers: the action runs in an Edge Function, which cannot spawn the
-- processes stdio servers are (seed 004's command, args and environment).
-- Header values (an API key) go to Vault when written: the row keeps only
-- the Vault secret's id. An owner uses their own servers, and the ones an
-- admin shared (is_shared); status, last_heartbeat, last_error and
-- capabilities are the health check's (record_mcp_health), which runs each
-- time an ai-prompt run lists the server's tools.

create table scheduler.mcp_servers (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  server_type text not null default 'streamable_http',
  url text,
  command text,
  args text[],
  headers jsonb not null default '{}'::jsonb,
  status text not null default 'inactive',
  last_heartbeat timestamptz,
  last_error text,
  capabilities jsonb not null default '[]'::jsonb,
  is_active boolean not null default true,
  is_shared boolean not null default false,
  created_by uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint mcp_servers_status_check check (status in ('active', 'inactive', 'error')),
  constraint mcp_servers_name_length check (length(name) between 1 and 100),
  constraint mcp_servers_last_error_length check (length(last_error) <= 2000),
  constraint mcp_servers_created_by_name_key unique (created_by, name)
);

comment on table scheduler.mcp_servers is 'Remote (Streamable HTTP) MCP servers whose tools ai-prompt tasks may use (seed 004). An owner uses their own and the ones an admin shared.';

comment on column scheduler.mcp_servers.server_type is 'streamable_http, the only kind an Edge Function can reach; stdio is refused (seed 004 server_type).';

comment on column scheduler.mcp_servers.command is 'seed 004''s stdio command: always null (refused on write, an Edge Function cannot start a process).';

comment on column scheduler.mcp_servers.args is 'seed 004''s stdio arguments: always null (refused on write).';

comment on column scheduler.mcp_servers.headers is 'Sent with every request to the server. Written as {"Name": "value"}; each value is moved to Vault and the row keeps {"Name": {"secret_id": "<vault id>"}}. Write an unchanged {"secret_id"} back to keep a header, a string to replace it (seed 004 environment).';

comment on column scheduler.mcp_servers.status is 'active (the last health check listed its tools), error (it failed: last_error), inactive (not checked since it was written) (seed 004).';

comment on column scheduler.mcp_servers.last_heartbeat is 'When the last health check succeeded (seed 004).';

comment on column scheduler.mcp_servers.capabilities is 'The tools the server listed at the last health check: [{name, description, input_schema}] (seed 004 capabilities).';

comment on column scheduler.mcp_servers.is_shared is 'Set by an admin: every user''s tasks may use the server (with the admin''s headers, which they never see).';

-- shared servers, by name: what a run resolves besides the owner's own (the unique key serves those)
create index mcp_servers_shared_name_idx on scheduler.mcp_servers (name) where is_shared;

alter table scheduler.mcp_servers enable row level security;

-- mcp_servers: owners read and write their own (authors add them, as
-- they create tasks); shared ones are visible to
-- everyone signed in (their header values never are: they are in Vault);
-- admins manage all. The health check writes as service_role.
revoke all on table scheduler.mcp_servers from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.mcp_servers to authenticated, service_role;

create policy "MCP servers are visible to their owners, admins, and everyone when shared" on scheduler.mcp_servers
  for select to authenticated using (created_by = (select auth.uid()) or is_shared or (select scheduler_internal.is_admin()));

create policy "MCP servers can be added by authors for themselves, or by admins" on scheduler.mcp_servers
  for insert to authenticated with check (
    (created_by = (select auth.uid()) and (select scheduler_internal.can_author())) or (select scheduler_internal.is_admin()));

create policy "MCP servers can be changed by their owners or admins" on scheduler.mcp_servers
  for update to authenticated
  using (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "MCP servers can be removed by their owners or admins" on scheduler.mcp_servers
  for delete to authenticated using (created_by = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _010_validate before insert or update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__validate();

create trigger _020_guard_attribution before update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__guard_attribution('created_by');

create trigger _030_store_headers before insert or update of headers on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__store_headers();

create trigger _100_set_updated_at before update on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _800_forget_headers after update of headers or delete on scheduler.mcp_servers
for each row execute function scheduler_internal.tg_mcp_servers__forget_headers();

create trigger _900_audit after insert or update or delete on scheduler.mcp_servers
for each row execute function scheduler_internal.tg__audit('id');

-- supabase/schemas/31_internal_tables/010_settings.sql -------------------------

-- engine settings: retention, lookahead, platform limits. The rows are data
-- (migration 20261124000200), read through scheduler_internal.setting().

create table scheduler_internal.settings (
  key text primary key,
  value jsonb not null,
  description text not null default '',
  updated_at timestamptz not null default now()
);

comment on table scheduler_internal.settings is 'Engine settings. Change with: update scheduler_internal.settings set value = ... where key = ...';

alter table scheduler_internal.settings enable row level security;

revoke all on table scheduler_internal.settings from public, anon, authenticated;

-- scheduler_internal.settings has updated_at; keep it with the shared trigger like every
-- other mutable table.
create trigger _100_set_updated_at before update on scheduler_internal.settings
for each row execute function scheduler_internal.tg__set_updated_at();

-- a limit out of range is refused when written, not at the next claim
create trigger _010_validate before insert or update of value on scheduler_internal.settings
for each row when (new.key = 'owner_max_in_flight')
execute function scheduler_internal.tg_settings__validate();

-- supabase/schemas/31_internal_tables/020_signing_secrets.sql ------------------

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

-- supabase/schemas/31_internal_tables/030_dispatcher_heartbeat.sql -------------

-- the dispatcher heartbeat the dead-man check watches. One row.

create table scheduler_internal.dispatcher_heartbeat (
  id boolean primary key default true check (id),
  last_tick_at timestamptz,
  alerted_at timestamptz,
  -- who was told it stopped, so the same people hear that it is back
  alerted_user_ids uuid[] not null default '{}',
  -- a dispatcher that never ticked (a fresh install missing its Vault
  -- entries) has been silent since the scheduler was installed
  watching_since timestamptz not null default now()
);

comment on table scheduler_internal.dispatcher_heartbeat is 'When the dispatcher last claimed; whether (and whom) the dead-man check has told that it stopped, until it claims again.';

alter table scheduler_internal.dispatcher_heartbeat enable row level security;

revoke all on table scheduler_internal.dispatcher_heartbeat from public, anon, authenticated;

grant select, update on table scheduler_internal.dispatcher_heartbeat to service_role;

-- supabase/schemas/31_internal_tables/040_dispatcher_looks.sql -----------------

-- who looks next, and when. One row. A writer whose work falls due before
-- that look wakes a dispatcher; the dispatcher's plan waits for such writers
-- (they hold this row FOR SHARE until they commit), so the plan sees them.
create table scheduler_internal.dispatcher_looks (
  id boolean primary key default true check (id),
  looker text,
  awake_until timestamptz,
  next_look_at timestamptz,
  planned_at timestamptz
);

comment on table scheduler_internal.dispatcher_looks is
  'The dispatcher invocation that is looking for due work (looker), until when it stays (awake_until), and when it claims next (next_look_at, null: nobody before the next minute''s tick).';

alter table scheduler_internal.dispatcher_looks enable row level security;

revoke all on table scheduler_internal.dispatcher_looks from public, anon, authenticated;

grant select, update on table scheduler_internal.dispatcher_looks to service_role;

-- supabase/schemas/31_internal_tables/050_dispatcher_wakes.sql -----------------

-- the debounce: when a wake was last sent. A separate row from the looks, so
-- a writer never upgrades its share lock there (two writers would deadlock)
create table scheduler_internal.dispatcher_wakes (
  id boolean primary key default true check (id),
  last_wake_at timestamptz,
  last_reason text,
  wakes bigint not null default 0
);

comment on table scheduler_internal.dispatcher_wakes is 'When writes last woke a dispatcher (debounce), why, and how many times in all.';

alter table scheduler_internal.dispatcher_wakes enable row level security;

revoke all on table scheduler_internal.dispatcher_wakes from public, anon, authenticated;

grant select on table scheduler_internal.dispatcher_wakes to service_role;

-- supabase/schemas/31_internal_tables/060_dispatcher_requests.sql --------------

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

-- supabase/schemas/31_internal_tables/070_retired_cron_jobs.sql ----------------

-- pg_cron jobs the scheduler once scheduled and a later migration
-- unscheduled: their cron.job_run_details rows name no job any more, and
-- the housekeeping still prunes them.

create table scheduler_internal.retired_cron_jobs (
  jobid bigint primary key,
  jobname text not null,
  retired_at timestamptz not null default now()
);

comment on table scheduler_internal.retired_cron_jobs is 'The scheduler''s pg_cron jobs that migrations unscheduled; their cron.job_run_details rows no longer name a job, and are still pruned by cron_history_retention.';

alter table scheduler_internal.retired_cron_jobs enable row level security;

revoke all on table scheduler_internal.retired_cron_jobs from public, anon, authenticated, service_role;

-- supabase/schemas/31_internal_tables/080_idempotency_keys.sql -----------------

-- idempotency keys: run_task_now's p_idempotency_key (per task) and
-- events.idempotency_key (per owner). One row per scope and key says which
-- run or event holds the key, and since when (its window is the
-- idempotency_window setting as it is when a repeat comes). A window
-- cannot be a unique index on the runs or events themselves (an index
-- cannot say "within 24 hours", and events cannot be updated to give a key
-- up), so the key lives here: the primary key makes a repeat collide even
-- between concurrent transactions at any isolation level, and a key past
-- its window is taken over by the next request that names it
-- (scheduler_internal.claim_idempotency_key). A key is taken before its run
-- or event is inserted, in the same transaction, so the reference to the
-- run is deferred; deleting the run frees its key. The event is named
-- without a foreign key: one would make `truncate scheduler.events` fail on
-- the reference before the append-only trigger could refuse it with its
-- reason. Keys past their window are pruned daily (prune-history).

create table scheduler_internal.idempotency_keys (
  scope text not null check (scope in ('run_task_now', 'events')),
  scope_id uuid not null,
  key text not null check (length(key) between 1 and 255),
  run_id uuid references scheduler.task_runs (id) on delete cascade deferrable initially deferred,
  event_id uuid,
  taken_at timestamptz not null,
  primary key (scope, scope_id, key),
  constraint idempotency_keys_one_target check (
    (scope = 'run_task_now' and run_id is not null and event_id is null)
    or (scope = 'events' and event_id is not null and run_id is null)
  )
);

comment on table scheduler_internal.idempotency_keys is 'Which run (run_task_now, scope_id = the task) or event (events, scope_id = the owner) holds an idempotency key, since taken_at; a repeat within the idempotency_window setting of taken_at collapses to it. A row goes with its run; keys past the window are pruned daily.';

create index idempotency_keys_run_id_idx on scheduler_internal.idempotency_keys (run_id) where run_id is not null;

-- the daily pruning walks the keys past their window in this order
create index idempotency_keys_taken_at_idx on scheduler_internal.idempotency_keys (taken_at);

alter table scheduler_internal.idempotency_keys enable row level security;

-- only the scheduler's own functions (run_task_now, the events trigger)
-- read and write it, as its owner
revoke all on table scheduler_internal.idempotency_keys from public, anon, authenticated, service_role;

-- supabase/schemas/31_internal_tables/080_task_starts.sql ----------------------

-- task_starts: when the runs of rate-limited tasks started, the sliding log
-- the rate limit counts (rate_limit_count starts in any rate_limit_period).
-- The start gate writes a row per start of such a task and drops the rows
-- that have left the task's window; other tasks never write here.

create table scheduler_internal.task_starts (
  task_id uuid not null references scheduler.tasks (id) on delete cascade,
  started_at timestamptz not null,
  run_id uuid not null,
  primary key (task_id, started_at, run_id)
);

comment on table scheduler_internal.task_starts is 'Starts of rate-limited tasks within their rate_limit_period, written by the start gate, counted by the claim and the gate.';

alter table scheduler_internal.task_starts enable row level security;

revoke all on table scheduler_internal.task_starts from public, anon, authenticated;

grant select, insert, delete on table scheduler_internal.task_starts to service_role;

-- supabase/schemas/31_internal_tables/090_due_tasks.sql ------------------------

-- the claim's due index, off the wide tasks row (issue 17): one narrow row
-- per active, undeleted task with a next_run_at, kept equal to the task by
-- its triggers (tg_tasks__sync_due). With the due index here instead of on
-- scheduler.tasks, no index of tasks covers a column the claim changes
-- (next_run_at, last_run_at, updated_at), so its per-run advance of the task
-- is a HOT update that writes no index entry (it wrote one into each of the
-- task's 8 indexes, the 2 GIN ones included: bench/RESULTS.md, "Cost per
-- run"); this row's update writes two small ones. owner_id and priority are
-- here because the claim ranks due tasks by them, without reading the task.
create table scheduler_internal.due_tasks (
  task_id uuid primary key references scheduler.tasks (id) on delete cascade,
  next_run_at timestamptz not null,
  owner_id uuid not null,
  priority scheduler.task_priority not null
);

comment on table scheduler_internal.due_tasks is
  'The due index of the claim: next_run_at, owner_id and priority of every active, undeleted task with a next_run_at, kept by the tasks triggers (tg_tasks__sync_due). scheduler.tasks.next_run_at stays the column to read.';

-- the claim's hot path: what is due, in due order
create index due_tasks_next_run_at_idx on scheduler_internal.due_tasks (next_run_at, priority);

alter table scheduler_internal.due_tasks enable row level security;

revoke all on table scheduler_internal.due_tasks from public, anon, authenticated;

-- read by the claim, the dispatch plan and the dead-man check (service_role);
-- written only by the tasks triggers (definer)
grant select on table scheduler_internal.due_tasks to service_role;

-- supabase/schemas/40_views/10_task_summary.sql --------------------------------

create view scheduler.task_summary with (security_invoker = true) as
select
  t.id,
  t.name,
  t.owner_id,
  t.project_id,
  t.priority,
  t.tags,
  t.is_active,
  t.action_type,
  t.next_run_at,
  t.last_run_at,
  t.created_at,
  t.updated_at,
  last_run.status as last_run_status,
  coalesce(stats.runs_total, 0) as runs_total,
  coalesce(stats.runs_failed, 0) as runs_failed,
  coalesce(appr.pending, 0) as approval_requests,
  coalesce(art.artifact_count, 0) as artifact_count,
  cardinality(t.acceptance_criteria) as total_criteria,
  case
    when not t.is_active or t.next_run_at is null then 'idle'
    when t.next_run_at < now() - interval '2 minutes' then 'overdue'
    when t.next_run_at <= now() + interval '1 day' then 'due_soon'
    else 'on_track'
  end as urgency_status
from scheduler.tasks t
left join lateral (
  select r.status from scheduler.task_runs r
  where r.task_id = t.id order by r.scheduled_time desc, r.attempt desc limit 1
) last_run on true
left join lateral (
  select count(*) as runs_total, count(*) filter (where r.status = 'failed') as runs_failed
  from scheduler.task_runs r where r.task_id = t.id
) stats on true
left join lateral (
  select count(*) as pending from scheduler.approvals a where a.task_id = t.id and a.status = 'pending'
) appr on true
left join lateral (
  select count(*) as artifact_count from scheduler.artifacts a where a.task_id = t.id
) art on true
where t.deleted_at is null;

comment on view scheduler.task_summary is 'One row per task: last run status, run counts, pending approvals, artifacts, criteria and urgency (seed 004 task_summary, seed 001 task_progress).';

revoke all on table scheduler.task_summary from anon, authenticated, service_role;

grant select on table scheduler.task_summary to authenticated, service_role;

-- supabase/schemas/40_views/20_active_tasks.sql --------------------------------

create or replace view scheduler.active_tasks with (security_invoker = true) as
select
  t.id as task_id,
  t.name,
  t.owner_id,
  p.name as project_name,
  r.id as run_id,
  r.status,
  r.attempt,
  r.scheduled_time,
  r.locked_at,
  r.locked_by,
  r.lease_expires_at,
  (r.status = 'running' and r.lease_expires_at > now()) as is_actively_locked
from scheduler.task_runs r
join scheduler.tasks t on t.id = r.task_id
left join scheduler.projects p on p.id = t.project_id
where r.status in ('queued', 'awaiting_approval', 'claimed', 'running')
order by r.locked_at desc nulls last;

comment on view scheduler.active_tasks is 'Runs waiting, claimed or running, with their lease (seed 001 active_tasks); is_actively_locked only for started runs.';

revoke all on table scheduler.active_tasks from anon, authenticated, service_role;

grant select on table scheduler.active_tasks to authenticated, service_role;

-- supabase/schemas/40_views/30_recent_events.sql -------------------------------

create view scheduler.recent_events with (security_invoker = true) as
select e.*, p.name as project_name, t.name as task_name
from scheduler.events e
left join scheduler.projects p on p.id = e.project_id
left join scheduler.tasks t on t.id = e.task_id
order by e.created_at desc;

comment on view scheduler.recent_events is 'Events with project and task names, newest first (seed 001).';

revoke all on table scheduler.recent_events from anon, authenticated, service_role;

grant select on table scheduler.recent_events to authenticated, service_role;

-- supabase/schemas/40_views/40_daily_activity.sql ------------------------------

create view scheduler.daily_activity with (security_invoker = true) as
select
  date_trunc('day', r.scheduled_time)::date as activity_date,
  'run'::text as source,
  r.status::text as level,
  count(*) as event_count,
  string_agg(distinct t.action_type, ', ') as modules_affected
from scheduler.task_runs r
join scheduler.tasks t on t.id = r.task_id
where r.scheduled_time >= current_date - interval '30 days'
group by 1, 3
union all
select
  date_trunc('day', l.created_at)::date,
  'log',
  l.level,
  count(*),
  string_agg(distinct l.module, ', ')
from scheduler.system_logs l
where l.created_at >= current_date - interval '30 days'
group by 1, 3;

comment on view scheduler.daily_activity is 'Runs per status and logs per level, per day, over the last 30 days (seed 004).';

revoke all on table scheduler.daily_activity from anon, authenticated, service_role;

grant select on table scheduler.daily_activity to authenticated, service_role;

-- supabase/schemas/50_realtime/notifications.sql -------------------------------

-- In-app notifications reach the browser through Realtime. The publication
-- exists on every hosted project; a database without it (plain PostgreSQL)
-- just goes without.
do $$
begin
  if exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    alter publication supabase_realtime add table scheduler.notifications;
  end if;
end
$$;
