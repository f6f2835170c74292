// Claimed runs for the action functions' tests, made the way production makes
// them: tasks inserted for real users, then scheduler.claim_due_runs called on
// the service connection exactly as the dispatcher calls it, each row turned
// into the RunToExecute the dispatcher sends (by its own toRun). Clocks are
// pinned far in the future (each file its own year), so the live stack's
// dispatcher, on the real clock, never sees these tasks.
import type postgres from "postgres";
import type { RunToExecute } from "../../../shared/contract.ts";
import { type ClaimedRow, toRun } from "../dispatcher/hand-over.ts";

type Sql = postgres.Sql;

export async function createUser(sql: Sql, label: string): Promise<string> {
  const [{ id }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`${label}-${crypto.randomUUID()}@test.local`}) returning id`;
  return id;
}

export interface TaskFields {
  owner: string;
  name?: string;
  action_type?: string;
  action_payload: unknown;
  run_at: Date;
  max_attempts?: number;
  retry_backoff_seconds?: number;
  timeout_seconds?: number;
  overlap_policy?: string;
}

export async function createTask(sql: Sql, f: TaskFields): Promise<string> {
  const [{ id }] = await sql`
    insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, max_attempts, retry_backoff_seconds, timeout_seconds, overlap_policy, priority)
    values (${f.name ?? "runner test"}, 'scheduled', ${f.action_type ?? "http"}, ${sql.json(f.action_payload as never)}, ${f.owner}, ${f.run_at},
      ${f.max_attempts ?? 1}, ${f.retry_backoff_seconds ?? 1}, ${f.timeout_seconds ?? 10}, ${f.overlap_policy ?? "skip"}, 'critical')
    returning id`;
  return id;
}

/** Claims what is due by `now` (+ lookahead) as `worker`, and returns the runs of `taskIds` as the dispatcher would send them. */
export async function claimRuns(sql: Sql, opts: { now: Date; worker: string; taskIds: string[]; lookaheadSeconds?: number; limit?: number }): Promise<RunToExecute[]> {
  const rows = await sql.unsafe<ClaimedRow[]>(
    "select * from scheduler.claim_due_runs($1, $2::timestamptz, make_interval(secs => $3), $4, null)",
    [opts.limit ?? 500, opts.now.toISOString(), opts.lookaheadSeconds ?? 0, opts.worker],
  );
  return rows.filter((r) => opts.taskIds.includes(r.task_id)).map((r) => toRun(r, opts.now));
}

/** A clock that moves only when told to; sleeps resolve when it reaches their end. */
export function manualClock(start: Date) {
  let t = start.getTime();
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => new Date(t),
    sleep: (ms: number) => new Promise<void>((resolve) => void timers.push({ at: t + ms, resolve })),
    /** The instants sleepers are waiting for, in order. */
    waiting: () => timers.map((x) => x.at).sort((a, b) => a - b),
    advanceTo(at: Date | number) {
      t = typeof at === "number" ? at : at.getTime();
      for (const timer of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.resolve();
      }
    },
  };
}
