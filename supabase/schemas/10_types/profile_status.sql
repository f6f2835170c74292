create type scheduler.profile_status as enum ('active', 'inactive', 'suspended');
