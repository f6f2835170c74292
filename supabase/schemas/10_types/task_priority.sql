create type scheduler.task_priority as enum ('low', 'medium', 'high', 'critical');

comment on type scheduler.task_priority is 'Claim order: higher priorities are claimed first (enum order low < medium < high < critical).';
