// The edge-function action: each run the start gate started calls a function
// of the same project, POST <SUPABASE_URL>/functions/v1/<name>, with a body
// the called function can trust: a Standard Webhooks envelope
// {type: "scheduler.run", timestamp, data: {run, task and owner ids, inputs,
// body}} signed with the owner's function_secret (webhook-id is the run's
// idempotency key, the same for every retry). The scheduler supplies the
// gateway's auth itself, and only anon-level keys: the called function
// learns who the call is for from the signature, never from a key it could
// mistake for a privileged caller (it has the service key in its own env if
// it needs one). Which function a run may call is read again at the run
// (scheduler.edge_function_prepare: the allow-list, the owner's secret).
import type { ActionResult } from "../../../shared/contract.ts";
import { renderJsonTemplate, renderTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult } from "../_shared/action-result.ts";
import { createActionHandler, type ExecuteIo, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import type { Db } from "../_shared/db.ts";
import { readLimited } from "../_shared/read-limited.ts";
import { webhookHeaders } from "../_shared/standard-webhooks.ts";

export interface EdgeFunctionDeps extends RunnerDeps {
  /** `<SUPABASE_URL>/functions/v1`. */
  functionsUrl: string;
  /** The gateway's auth for the call: anon-level keys only (the anon JWT as bearer, a publishable key). */
  callHeaders: Record<string, string>;
  concurrency?: number;
}

export type EdgeFunctionRun = ValidRun<"edge-function">;

/** One row of scheduler.edge_function_prepare. */
export interface Target {
  run_id: string;
  owner_id: string | null;
  function_name: string | null;
  signing_secret: string | null;
  error: string | null;
}

const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

// the targets of the runs a request starts together, one query for the runs
// asked for in the same turn (a start group's runs all are, up to the limit)
const loaders = new WeakMap<Db, Map<string, (run: string) => Promise<Target | undefined>>>();
function targetOf(db: Db, worker: string, runId: string): Promise<Target | undefined> {
  let byWorker = loaders.get(db);
  if (!byWorker) loaders.set(db, byWorker = new Map());
  let load = byWorker.get(worker);
  if (!load) {
    let pending: { id: string; resolve: (t: Target | undefined) => void; reject: (e: unknown) => void }[] = [];
    load = (id) => new Promise<Target | undefined>((resolve, reject) => {
      if (pending.push({ id, resolve, reject }) > 1) return;
      queueMicrotask(async () => {
        const batch = pending;
        pending = [];
        try {
          const rows = await db.executeSql<Target>("select * from scheduler.edge_function_prepare($1::uuid[], $2)", [batch.map((b) => b.id), worker]);
          const byId = new Map(rows.map((r) => [r.run_id, r]));
          for (const b of batch) b.resolve(byId.get(b.id));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      });
    });
    byWorker.set(worker, load);
  }
  return load(runId);
}

export async function executeEdgeFunctionRun(run: EdgeFunctionRun, io: ExecuteIo, deps: Pick<EdgeFunctionDeps, "fetch" | "now" | "functionsUrl" | "callHeaders">): Promise<ActionResult> {
  const payload = run.payload;
  const startedAt = deps.now();
  const target = await targetOf(io.db, io.worker, run.run_id);
  if (!target || target.error !== null || !target.signing_secret || !target.function_name) {
    return failedResult(run, `not called: ${target?.error ?? "the run's target could not be read"}`, { retryable: false, startedAt, endedAt: deps.now() });
  }
  let body: unknown;
  try {
    const ctx = templateContext(run);
    if (payload.body !== undefined) body = typeof payload.body === "string" ? renderTemplate(payload.body, ctx) : renderJsonTemplate(payload.body, ctx);
  } catch (err) {
    if (err instanceof TemplateError) return failedResult(run, err.message, { retryable: false, startedAt, endedAt: deps.now() });
    throw err;
  }
  const webhookId = run.idempotency_key || run.run_id;
  const text = JSON.stringify({
    type: "scheduler.run",
    timestamp: startedAt.toISOString(),
    data: {
      run_id: run.run_id,
      task_id: run.task_id,
      task_name: run.task.name,
      owner_id: target.owner_id,
      attempt: run.attempt,
      scheduled_time: run.scheduled_time,
      triggered_by: run.triggered_by,
      idempotency_key: webhookId,
      inputs: run.inputs ?? {},
      body: body ?? null,
    },
  });
  const headers: Record<string, string> = {
    "user-agent": "supabase-task-scheduler/1",
    ...payload.headers,
    "content-type": "application/json",
    ...deps.callHeaders,
    // who the call is for, to find the secret by; the signed body is what counts
    "x-scheduler-owner-id": target.owner_id ?? "",
    "x-scheduler-run-id": run.run_id,
    ...webhookHeaders(target.signing_secret, webhookId, Math.floor(startedAt.getTime() / 1000), text),
  };
  const url = `${deps.functionsUrl}/${encodeURIComponent(target.function_name)}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), run.timeout_seconds * 1000);
  try {
    const response = await deps.fetch(url, { method: "POST", headers, body: text, signal: controller.signal, redirect: "manual" });
    const { text: answer, truncated, bytes } = await readLimited(response, payload.max_response_bytes);
    const endedAt = deps.now();
    const output = {
      function: target.function_name,
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: answer,
      body_truncated: truncated,
      body_bytes_kept: bytes,
    };
    const summary = { function: target.function_name, status: response.status, duration_ms: endedAt.getTime() - startedAt.getTime() };
    if (response.ok) return completedResult(run, { startedAt, endedAt, output, log_summary: summary });
    return failedResult(run, `the ${target.function_name} function answered ${response.status}`, {
      retryable: retryableStatus(response.status), startedAt, endedAt, output, log_summary: summary,
    });
  } catch (err) {
    const endedAt = deps.now();
    if (controller.signal.aborted) return failedResult(run, `timed out after ${run.timeout_seconds} s (timeout_seconds)`, { retryable: true, startedAt, endedAt });
    return failedResult(run, `could not call the ${target.function_name} function: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, startedAt, endedAt });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The gateway's auth for a call: the legacy anon JWT as bearer (so a function
 * with verify_jwt = true lets it through) and a publishable key (else the
 * anon key) in apikey. Public keys only: the signature is what identifies
 * the scheduler, and a service key is never sent to a user-chosen function.
 */
export function anonCallHeaders(anonKey: string | undefined, publishableKeysJson: string | undefined): Record<string, string> {
  let publishable: string | undefined;
  try {
    const keys = publishableKeysJson ? JSON.parse(publishableKeysJson) as Record<string, string> : {};
    publishable = keys.default ?? Object.values(keys)[0];
  } catch { /* not JSON: use the anon key */ }
  const headers: Record<string, string> = {};
  if (anonKey) headers.authorization = `Bearer ${anonKey}`;
  const apikey = publishable ?? anonKey;
  if (apikey) headers.apikey = apikey;
  return headers;
}

export function createHandler(deps: EdgeFunctionDeps) {
  return createActionHandler({
    action: "edge-function",
    concurrency: deps.concurrency ?? 32,
    executeRun: (run, io) => executeEdgeFunctionRun(run, io, deps),
  }, deps);
}
