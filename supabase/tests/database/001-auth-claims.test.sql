-- The platform surface every policy relies on: auth.uid(), auth.role() and
-- auth.jwt() follow request.jwt.claims as PostgREST sets them. Holds on hosted
-- Supabase and on the local stand-in alike.
begin;
create extension if not exists pgtap with schema extensions;
select plan(8);

select is(auth.uid(), null, 'auth.uid() is null without claims');

set local request.jwt.claims = '{"sub": "8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c", "role": "authenticated", "email": "ada@example.com"}';
select is(auth.uid(), '8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c'::uuid, 'auth.uid() reads sub from request.jwt.claims');
select is(auth.role(), 'authenticated', 'auth.role() reads role from request.jwt.claims');
select is(auth.jwt() ->> 'email', 'ada@example.com', 'auth.jwt() returns the whole claims object');

set local request.jwt.claims = '{"sub": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "role": "service_role"}';
select is(auth.uid(), '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'::uuid, 'auth.uid() follows a change of claims within the transaction');
select is(auth.role(), 'service_role', 'auth.role() follows a change of claims');

select ok(not (select rolsuper from pg_catalog.pg_roles where rolname = 'postgres'), 'postgres is not a superuser, as on hosted Supabase');
select ok((select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role'), 'service_role bypasses row level security');

select * from finish();
rollback;
