create type scheduler.profile_role as enum ('admin', 'user', 'viewer');

comment on type scheduler.profile_role is 'admin manages everything; user owns tasks; viewer only reads what is shared with them.';
