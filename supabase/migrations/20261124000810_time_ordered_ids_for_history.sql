-- the tables that grow with every run get time-ordered ids (UUID version 7,
-- RFC 9562): 48 bits of Unix milliseconds, then random bits. A random
-- (version 4) primary key puts each new row on a random leaf of its index,
-- and once the index outgrows the cache every insert reads a page back in:
-- with 10 million runs, claiming cost 0.19 ms per claimed run with random
-- run ids and 0.10 ms with these (bench/, needle, A/B on the same 1M tasks
-- and 10M runs).
-- New ids now go to the right edge of the index, as a bigserial's would,
-- and stay uuids, so nothing that stores or passes them changes. Rows
-- already there keep their ids. PostgreSQL 18 has uuidv7(); this is the
-- same layout for 15.

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

alter table scheduler.task_runs alter column id set default scheduler_internal.uuid_v7();
alter table scheduler.audit_trail alter column id set default scheduler_internal.uuid_v7();
alter table scheduler.system_logs alter column id set default scheduler_internal.uuid_v7();
alter table scheduler.notifications alter column id set default scheduler_internal.uuid_v7();
alter table scheduler.events alter column id set default scheduler_internal.uuid_v7();
