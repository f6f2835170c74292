// One call of a database function the way supabase-js rpc() by the task's
// owner would make it, inside a transaction the caller holds: the sql
// action's run, and the poll of a watcher whose source is sql. The statement,
// the role, the claims, the search_path and the statement timeout come from
// scheduler.sql_action_prepare (one set of rules for both); this sets them
// for the transaction, runs the call, and goes back to the connection's own
// role for whatever the caller records next in the same transaction.
import type { DbTransaction } from "./db.ts";

/** One row of scheduler.sql_action_prepare. */
export interface PreparedCall {
  state: "ready" | "not_running" | "refused";
  error: string | null;
  call: string;
  args: Record<string, unknown>;
  run_as: "authenticated" | "service_role";
  claims: Record<string, unknown>;
  search_path: string;
  timeout_ms: number;
  max_output_bytes: number;
  function_signature: string;
}

/** What the call statement answers: the result within max_output_bytes, else its first bytes as text. */
export interface CallRow {
  result: unknown;
  result_bytes: number;
  result_text: string | null;
}

/** A database error as postgres.js reports it. */
export interface PgError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

export const isPgError = (err: unknown): err is PgError =>
  err instanceof Error && err.name === "PostgresError" && typeof (err as { code?: unknown }).code === "string";

/** The run's error_message: SQLSTATE, message, detail, hint. */
export function describeError(err: PgError): string {
  return [`SQLSTATE ${err.code}: ${err.message}`, err.detail ? `detail: ${err.detail}` : "", err.hint ? `hint: ${err.hint}` : ""]
    .filter(Boolean).join("; ").slice(0, 4_000);
}

/** Whether a failed call is the statement timeout (timeout_seconds). */
export const isStatementTimeout = (err: PgError) => err.code === "57014" && /statement timeout/.test(err.message);

export const prepareCallSql = "select * from scheduler.sql_action_prepare($1::uuid, $2)";

const setIdentitySql = `select
  set_config('statement_timeout', $1, true),
  set_config('idle_in_transaction_session_timeout', '15s', true),
  set_config('search_path', $2, true),
  set_config('request.jwt.claims', $3, true),
  set_config('request.jwt.claim.sub', '', true),
  set_config('request.jwt.claim.role', '', true),
  set_config('request.method', 'POST', true),
  set_config('scheduler.run_id', $4, true),
  set_config('scheduler.task_id', $5, true),
  set_config('scheduler.idempotency_key', $6, true),
  set_config('role', $7, true)`;
// back to the connection's own role for the bookkeeping, with a timeout of its own
const resetIdentitySql = `select set_config('role', 'none', true), set_config('search_path', '', true),
  set_config('statement_timeout', '30s', true), set_config('request.jwt.claims', '', true)`;

/** Runs the prepared call with `args` (already rendered) as the prepared role, then resets the identity. */
export async function callPrepared(
  tx: DbTransaction,
  p: PreparedCall,
  run: { run_id: string; task_id: string; idempotency_key?: string | null },
  args: unknown,
): Promise<CallRow> {
  await tx.executeSql(setIdentitySql, [
    String(p.timeout_ms), p.search_path, JSON.stringify(p.claims), run.run_id, run.task_id, run.idempotency_key ?? run.run_id, p.run_as,
  ]);
  const [row] = await tx.executeSql<CallRow>(p.call, [JSON.stringify(args), p.max_output_bytes]);
  await tx.executeSql(resetIdentitySql);
  return row;
}
