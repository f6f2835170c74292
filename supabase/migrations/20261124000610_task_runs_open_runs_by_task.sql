-- the open-runs index keyed by (status, task_id): the claim asks, for each due
-- task, whether it has a run running or waiting. Keyed by status alone, that
-- was a probe of the task's whole history through task_runs_task_id_idx
-- (1,000 runs per task in the needle benchmark: 0.39 ms per claimed run at
-- 1M tasks and 10M runs), or, with stale statistics right after a burst, a
-- sequential scan of task_runs per due task (3.5 s claims in the fan-out
-- benchmark). Status stays the leading column, so lookups by status alone
-- (the seed's index) are served as before, and only open runs are indexed.
drop index scheduler.task_runs_status_idx;
create index task_runs_status_idx on scheduler.task_runs (status, task_id)
where status in ('queued', 'awaiting_approval', 'running');
