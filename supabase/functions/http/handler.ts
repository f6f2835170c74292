// The http action: each run the start gate started calls its URL, with the
// body rendered from the run's and the task's fields, a timeout, capped
// redirects, a size limit on what is kept of the response, Standard Webhooks
// signing (webhook-id is the run's idempotency key, the same for every attempt)
// and the SSRF guard. Waiting, the gate and recording are the shared runner's.
import type { ActionResult } from "../../../shared/contract.ts";
import { renderJsonTemplate, renderTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult } from "../_shared/action-result.ts";
import { createActionHandler, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import { readLimited } from "../_shared/read-limited.ts";
import type { Connect } from "../_shared/pinned-http.ts";
import { BlockedTargetError, guardedFetch, type Resolve } from "../_shared/ssrf.ts";
import { webhookHeaders } from "../_shared/standard-webhooks.ts";

export interface HttpDeps extends RunnerDeps {
  resolve: Resolve;
  /** Connections to the addresses the SSRF guard checked (deno-connect.ts on the Edge Runtime). */
  connect: Connect;
  allowHosts: Set<string>;
  concurrency?: number;
}

/** What executing a run needs. */
export type HttpIo = Pick<HttpDeps, "now" | "resolve" | "connect" | "allowHosts">;
export type HttpRun = ValidRun<"http">;

const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

export async function executeHttpRun(run: HttpRun, deps: HttpIo): Promise<ActionResult> {
  const payload = run.payload;
  const startedAt = deps.now();
  let url: string;
  let body: string | undefined;
  try {
    const ctx = templateContext(run);
    url = renderTemplate(payload.url, ctx);
    if (payload.body !== undefined && payload.method !== "GET" && payload.method !== "HEAD") {
      body = typeof payload.body === "string" ? renderTemplate(payload.body, ctx) : JSON.stringify(renderJsonTemplate(payload.body, ctx));
    }
  } catch (err) {
    if (err instanceof TemplateError) return failedResult(run, err.message, { retryable: false, startedAt, endedAt: deps.now() });
    throw err;
  }
  const headers: Record<string, string> = { "user-agent": "supabase-task-scheduler/1", ...payload.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    headers["content-type"] = typeof payload.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  }
  // the same id for every attempt of one due run, so a receiver can drop a redelivery
  const webhookId = run.idempotency_key || run.run_id;
  if (run.task.signing_secret) {
    Object.assign(headers, webhookHeaders(run.task.signing_secret, webhookId, Math.floor(startedAt.getTime() / 1000), body ?? ""));
  } else {
    headers["webhook-id"] = webhookId;
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), run.timeout_seconds * 1000);
  try {
    const { response, url: finalUrl, redirects } = await guardedFetch(url, {
      method: payload.method, headers, body, signal: controller.signal,
    }, { maxRedirects: payload.max_redirects, allow: deps.allowHosts, resolve: deps.resolve, connect: deps.connect });
    const { text, truncated, bytes } = await readLimited(response, payload.max_response_bytes);
    const output = {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: text,
      body_truncated: truncated,
      body_bytes_kept: bytes,
      url: finalUrl,
      redirects,
    };
    const endedAt = deps.now();
    const summary = { status: response.status, duration_ms: endedAt.getTime() - startedAt.getTime(), url: finalUrl };
    if (response.ok) return completedResult(run, { startedAt, endedAt, output, log_summary: summary });
    return failedResult(run, `${payload.method} ${finalUrl} answered ${response.status}`, {
      retryable: retryableStatus(response.status), startedAt, endedAt, output, log_summary: summary,
    });
  } catch (err) {
    const endedAt = deps.now();
    if (err instanceof BlockedTargetError) return failedResult(run, err.message, { retryable: false, startedAt, endedAt });
    if (controller.signal.aborted) return failedResult(run, `timed out after ${run.timeout_seconds} s (timeout_seconds)`, { retryable: true, startedAt, endedAt });
    return failedResult(run, `request failed: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, startedAt, endedAt });
  } finally {
    clearTimeout(timer);
  }
}

export function createHandler(deps: HttpDeps) {
  return createActionHandler({ action: "http", concurrency: deps.concurrency ?? 64, executeRun: (run) => executeHttpRun(run, deps) }, deps);
}
