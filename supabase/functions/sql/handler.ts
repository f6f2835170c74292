// The sql action: each run the start gate started calls the task's database
// function as its owner, the way supabase-js rpc() by that user would: role
// authenticated with the owner's claims in request.jwt.claims (or
// service_role, when an admin set run_as), the function's schema first on the
// search_path, timeout_seconds as the statement timeout. The call and the
// run's completion (complete_runs) commit in one transaction, so a run is
// recorded completed exactly when its call committed; a failed call is
// rolled back and recorded through the shared recorder. Why it runs here and
// not in the dispatcher or in Postgres: docs/dispatch.md, "The sql action".
import type { ActionResult } from "../../../shared/contract.ts";
import { renderJsonTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult } from "../_shared/action-result.ts";
import { createActionHandler, type ExecuteIo, type RecordedResult, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import { type CallRow, callPrepared, describeError, isPgError, isStatementTimeout, type PreparedCall as Prepared, prepareCallSql } from "../_shared/sql-call.ts";

export interface SqlDeps extends RunnerDeps {
  /** Calls of one request at once, each on a connection of its own (the request's client has one more, for the gate and the recorder). */
  concurrency?: number;
}

export type SqlRun = ValidRun<"sql">;

// Retried: a serialization failure or a deadlock (the call was rolled back
// and may well succeed again), and whatever kept the call from running at all
// or cut its connection (class 08, too many connections, a server shutting
// down): the call did not commit, since it commits only with its result.
const retryableState = (code: string) =>
  code === "40001" || code === "40P01" || code.startsWith("08") || code === "53300" || ["57P01", "57P02", "57P03"].includes(code);

const utf8 = new TextEncoder();
/** At most `limit` bytes of `text`, cut on a character boundary. */
function cutToBytes(text: string, limit: number): string {
  const bytes = utf8.encode(text);
  if (bytes.length <= limit) return text;
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** The result as kept in the run's output: the JSON itself within max_output_bytes, else its first bytes as text. */
function outputOf(row: CallRow, p: Prepared) {
  const truncated = row.result_text !== null;
  return {
    function: p.function_signature,
    role: p.run_as,
    result: truncated ? null : row.result ?? null,
    result_bytes: row.result_bytes,
    result_truncated: truncated,
    ...(truncated ? { result_text: cutToBytes(row.result_text!, p.max_output_bytes) } : {}),
  };
}

class NotRecorded extends Error {}

const completeRunsSql = "select * from scheduler.complete_runs($1::text::jsonb, $2::timestamptz, $3)";

const jsonbSafe = (_key: string, value: unknown) => typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;

export async function executeSqlRun(run: SqlRun, io: ExecuteIo, now: () => Date): Promise<ActionResult | RecordedResult> {
  const startedAt = now();
  if (!io.db.transaction) throw new Error("the sql action needs a database client that runs transactions");
  let prepared: Prepared | undefined;
  const failed = (message: string, retryable: boolean, output?: unknown) =>
    failedResult(run, message, {
      retryable, startedAt, endedAt: now(), output,
      log_summary: prepared ? { function: prepared.function_signature, role: prepared.run_as, duration_ms: now().getTime() - startedAt.getTime() } : undefined,
    });
  try {
    return await io.db.transaction(async (tx): Promise<ActionResult | RecordedResult> => {
      const [p] = await tx.executeSql<Prepared>(prepareCallSql, [run.run_id, io.worker]);
      prepared = p;
      if (p.state === "not_running") return failed(`not called: ${p.error}`, false);
      if (p.state === "refused") return failed(p.error ?? "refused", false);
      // strings of args are templates over the run, as in every action's payload
      let args: unknown;
      try {
        args = renderJsonTemplate(p.args, templateContext(run));
      } catch (err) {
        if (err instanceof TemplateError) return failed(err.message, false);
        throw err;
      }
      const row = await callPrepared(tx, p, run, args);
      const endedAt = now();
      const output = outputOf(row, p);
      const result = completedResult(run, {
        startedAt, endedAt, output,
        log_summary: { function: p.function_signature, role: p.run_as, duration_ms: endedAt.getTime() - startedAt.getTime(), result_bytes: row.result_bytes },
      });
      // recorded in the call's own transaction: completed if and only if the call commits
      const [recorded] = await tx.executeSql<{ outcome: string }>(completeRunsSql, [JSON.stringify([result], jsonbSafe), endedAt.toISOString(), io.worker]);
      if (!recorded || recorded.outcome.startsWith("ignored")) throw new NotRecorded(recorded?.outcome ?? "complete_runs recorded nothing");
      return { recorded: result };
    });
  } catch (err) {
    if (err instanceof NotRecorded) {
      return failed(`rolled back: the run was no longer this worker's to record (${err.message}), so its call did not commit`, false);
    }
    if (isPgError(err)) {
      const timedOut = isStatementTimeout(err);
      const message = timedOut
        ? `timed out after ${run.timeout_seconds} s (timeout_seconds, the statement timeout): ${describeError(err)}`
        : describeError(err);
      return failed(message, retryableState(err.code), {
        function: prepared?.function_signature, role: prepared?.run_as,
        error: { sqlstate: err.code, message: err.message, detail: err.detail ?? null, hint: err.hint ?? null },
      });
    }
    // the connection failed (postgres.js: CONNECTION_CLOSED, ECONNRESET…): had the
    // commit landed, the run would be completed and this failure is ignored
    return failed(`the database connection failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
}

export function createHandler(deps: SqlDeps) {
  return createActionHandler({
    action: "sql",
    concurrency: deps.concurrency ?? 4,
    executeRun: (run, io) => executeSqlRun(run, io, deps.now),
  }, deps);
}
