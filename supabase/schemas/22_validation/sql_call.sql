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
