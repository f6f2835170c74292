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
