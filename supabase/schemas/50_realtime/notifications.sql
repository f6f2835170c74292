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
