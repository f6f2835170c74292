-- Test helpers for every other file, installed and committed first (pg_prove
-- runs files in name order, each in its own session), as Supabase's testing
-- guide does. Users are created by label; "authenticate as" sets the role and
-- request.jwt.claims for the rest of the transaction, as PostgREST would.
create extension if not exists pgtap with schema extensions;
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_user(p_label text, p_role scheduler.profile_role default 'user')
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, email, raw_user_meta_data, role, aud)
  values (v_id, p_label || '-' || left(v_id::text, 8) || '@test.local', jsonb_build_object('name', p_label, 'test_label', p_label), 'authenticated', 'authenticated');
  if p_role <> 'user' then
    update scheduler.profiles set role = p_role where id = v_id;
  end if;
  return v_id;
end;
$$;

create or replace function tests.get_user_id(p_label text) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select id from auth.users where raw_user_meta_data ->> 'test_label' = p_label order by created_at desc limit 1
$$;

create or replace function tests.authenticate_as(p_label text) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid := tests.get_user_id(p_label);
begin
  if v_id is null then
    raise exception 'tests.authenticate_as: no user labelled %', p_label;
  end if;
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', jsonb_build_object('sub', v_id, 'role', 'authenticated')::text, true);
end;
$$;

create or replace function tests.authenticate_as_anon() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
end;
$$;

create or replace function tests.authenticate_as_service_role() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
end;
$$;

create or replace function tests.clear_authentication() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- named ids a test file sets up, readable whatever role the test runs as
create table if not exists tests.fixtures (name text primary key, id uuid not null);
revoke all on tests.fixtures from anon, authenticated, service_role;

create or replace function tests.fx(p_name text) returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select id into v_id from tests.fixtures where name = p_name;
  if v_id is null then
    raise exception 'tests.fx: no fixture named %', p_name;
  end if;
  return v_id;
end;
$$;

create or replace function tests.remember(p_name text, p_id uuid) returns uuid
language sql security definer
set search_path = ''
as $$
  insert into tests.fixtures (name, id) values (p_name, p_id)
  on conflict (name) do update set id = excluded.id
  returning id
$$;

-- how many rows a statement touched, as the current role: RLS filters
-- updates and deletes silently, so "cannot" shows as 0
create or replace function tests.rows_affected(p_sql text) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  execute p_sql;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- what a statement does as someone, without keeping its effects: runs p_sql
-- as p_who (a user label, 'anon' or 'service_role') inside a subtransaction
-- that is always rolled back, and returns the number of rows it touched or
-- returned ('0', '1', ...) or the SQLSTATE it failed with ('42501', ...).
-- the role, the claims and the rows all go back with the subtransaction, so
-- a table-driven matrix can try every role on the same fixtures.
create or replace function tests.outcome_as(p_who text, p_sql text) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_rows bigint;
  v_state text;
begin
  begin
    case p_who
      when 'anon' then perform tests.authenticate_as_anon();
      when 'service_role' then perform tests.authenticate_as_service_role();
      else perform tests.authenticate_as(p_who);
    end case;
    execute p_sql;
    get diagnostics v_rows = row_count;
    raise exception using errcode = 'TSTUN', message = 'tests.outcome_as: undo';
  exception when others then
    v_state := sqlstate;
  end;
  if v_state = 'TSTUN' then
    return v_rows::text;
  end if;
  return v_state;
end;
$$;

-- what the dispatcher and an action function do together, with the clock
-- as a parameter: claim what is due at p_at (within p_lookahead), then pass
-- each claimed run through the start gate at its second (p_at when it is
-- already due). Returns every run handed over and the gate's outcome.
create or replace function tests.dispatch(p_at timestamptz, p_lookahead interval default '0', p_limit integer default 100)
returns table (run_id uuid, task_id uuid, outcome text, message text)
language plpgsql
set search_path = ''
as $$
declare
  v_second timestamptz;
begin
  create temp table if not exists pg_temp.tests_dispatched (run_id uuid, task_id uuid, due timestamptz);
  truncate pg_temp.tests_dispatched;
  insert into pg_temp.tests_dispatched
  select c.run_id, c.task_id, greatest(c.scheduled_time, p_at)
  from scheduler.claim_due_runs(p_limit, p_at, p_lookahead, 'pgtap', null) c;
  for v_second in select distinct d.due from pg_temp.tests_dispatched d order by 1 loop
    return query
    select s.run_id, d.task_id, s.outcome, s.message
    from scheduler.start_runs(array(select d.run_id from pg_temp.tests_dispatched d where d.due = v_second), 'pgtap', v_second) s
    join pg_temp.tests_dispatched d on d.run_id = s.run_id;
  end loop;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

begin;
select plan(2);
select has_function('tests', 'authenticate_as', array['text'], 'the test helpers are installed');
select has_function('tests', 'outcome_as', array['text', 'text'], 'the matrix helper is installed');
select * from finish();
rollback;
