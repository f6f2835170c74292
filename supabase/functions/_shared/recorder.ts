// Records each run's result as soon as the run ends: at most one
// complete_runs call is in flight, and results that arrive meanwhile go in the
// next one, so an idle recorder writes at once and a busy one batches. A failed
// call is tried again a few times, then logged with its run ids; the runs'
// leases reconcile them (reap_expired_leases).
import type { ActionResult } from "../../../shared/contract.ts";
import type { Db } from "./db.ts";
import type { Logger } from "./logger.ts";

export interface RecorderOptions {
  db: Db;
  /** The worker (locked_by) the runs were claimed by: complete_runs records only its runs. */
  worker: string;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** The waits before each new try of a failed flush; as many tries again as entries. */
  retryDelaysMs?: number[];
  /** Fields added to the recorder's log lines (e.g. the request). */
  logFields?: Record<string, unknown>;
}

export interface RecorderStats {
  /** complete_runs calls that succeeded, and tries that failed. */
  flushes: number;
  failedTries: number;
  /** Results complete_runs recorded, and those it ignored (the run was no longer this worker's to record). */
  recorded: number;
  ignored: number;
  /** Results given up on after every try (logged with their run ids). */
  lost: number;
  /** The largest flush, in results. */
  largestFlush: number;
}

export interface Recorder {
  /** Queues a result; it is written with the next flush, which starts at once when none is in flight. */
  push(result: ActionResult): void;
  /** Resolves when every result pushed so far has been written or given up on. Never rejects. */
  drain(): Promise<void>;
  readonly stats: Readonly<RecorderStats>;
}

export const defaultRetryDelaysMs = [200, 1_000, 3_000];

const completeRunsSql = "select * from scheduler.complete_runs($1::text::jsonb, $2::timestamptz, $3)";

// jsonb cannot hold U+0000, and one such string (a response body, a model's
// answer) would make the whole flush fail for every run in it
const jsonbSafe = (_key: string, value: unknown) => typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;

/** Run ids in log lines of at most this many, so a line stays far below the platform's 10,000 characters. */
const idsPerLine = 200;

/** An error naming every run it concerns: one line per 200 run ids (about 7,600 characters of ids). */
export function logRunIds(logger: Logger, msg: string, fields: Record<string, unknown>, ids: string[]): void {
  for (let i = 0; i < ids.length; i += idsPerLine) {
    logger.error(msg, { ...fields, runs: ids.length, run_ids: ids.slice(i, i + idsPerLine) });
  }
}

export function createRecorder(options: RecorderOptions): Recorder {
  const { db, worker, now, sleep, logger } = options;
  const delays = options.retryDelaysMs ?? defaultRetryDelaysMs;
  const stats: RecorderStats = { flushes: 0, failedTries: 0, recorded: 0, ignored: 0, lost: 0, largestFlush: 0 };
  let pending: ActionResult[] = [];
  let loop: Promise<void> | null = null;

  const flush = async (batch: ActionResult[]) => {
    let lastError: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1]);
      try {
        const body = JSON.stringify(batch, jsonbSafe);
        const rows = await db.executeSql<{ run_id: string; outcome: string }>(completeRunsSql, [body, now().toISOString(), worker]);
        stats.flushes++;
        stats.largestFlush = Math.max(stats.largestFlush, batch.length);
        for (const row of rows) {
          if (row.outcome.startsWith("ignored")) stats.ignored++;
          else stats.recorded++;
        }
        return;
      } catch (err) {
        stats.failedTries++;
        lastError = err;
      }
    }
    stats.lost += batch.length;
    logRunIds(logger, "could not record results; their leases will reconcile them", {
      ...options.logFields,
      worker,
      tries: delays.length + 1,
      error: String(lastError instanceof Error ? lastError.message : lastError).slice(0, 500),
    }, batch.map((r) => r.run_id));
  };

  const run = async () => {
    // a microtask first, so results pushed in the same turn share one flush
    await Promise.resolve();
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await flush(batch);
    }
    loop = null;
  };

  return {
    push(result) {
      pending.push(result);
      loop ??= run();
    },
    async drain() {
      while (loop) await loop;
    },
    stats,
  };
}
