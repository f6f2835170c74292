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
