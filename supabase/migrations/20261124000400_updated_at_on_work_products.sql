-- updated_at on every mutable table (issue 3). artifacts, checkpoints and
-- decisions came from seed 001 with created_at only, but their owners may
-- edit them, so they get updated_at and the shared trigger like every other
-- mutable table. the logs stay without one: events and audit_trail are
-- immutable, and system_logs is written by service work only.

alter table scheduler.artifacts add column updated_at timestamptz not null default now();
alter table scheduler.checkpoints add column updated_at timestamptz not null default now();
alter table scheduler.decisions add column updated_at timestamptz not null default now();

create trigger _100_set_updated_at before update on scheduler.artifacts
for each row execute function scheduler_internal.tg__set_updated_at();
create trigger _100_set_updated_at before update on scheduler.checkpoints
for each row execute function scheduler_internal.tg__set_updated_at();
create trigger _100_set_updated_at before update on scheduler.decisions
for each row execute function scheduler_internal.tg__set_updated_at();
