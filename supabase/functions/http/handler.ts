// The http action: each run of the batch calls its URL at its due second,
// with the body rendered from the run's and the task's fields, a timeout,
// capped redirects, a size limit on what is kept of the response, Standard
// Webhooks signing and the SSRF guard.
import { type ActionResult, ActionRequest, HttpPayload, type RunToExecute, templateContext } from "../../../shared/contract.ts";
import { renderJsonTemplate, renderTemplate, TemplateError } from "../../../shared/template.ts";
import { type CallerCheck, requireServiceCaller } from "../_shared/auth.ts";
import { executeRuns, waitUntilStart } from "../_shared/batch.ts";
import { errorResponse, json, readJson, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";
import { BlockedTargetError, guardedFetch, readLimited, type Resolve } from "../_shared/ssrf.ts";
import { webhookHeaders } from "./signing.ts";

export interface HttpDeps {
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  resolve: Resolve;
  logger: Logger;
  auth: Omit<CallerCheck, "nowSeconds">;
  allowHosts: Set<string>;
  concurrency?: number;
}

const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

function failed(run: RunToExecute, message: string, retryable: boolean, startedAt: Date | undefined, now: () => Date, output?: unknown): ActionResult {
  return {
    run_id: run.run_id, status: "failed", retryable, error_message: message, output,
    started_at: startedAt?.toISOString(), ended_at: now().toISOString(),
  };
}

export async function executeHttpRun(run: RunToExecute, deps: HttpDeps): Promise<ActionResult> {
  const parsed = HttpPayload.safeParse(run.payload);
  if (!parsed.success) {
    return failed(run, `invalid http payload: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, false, undefined, deps.now);
  }
  const payload = parsed.data;
  await waitUntilStart(run.start_at, deps.now, deps.sleep);
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
    if (err instanceof TemplateError) return failed(run, err.message, false, startedAt, deps.now);
    throw err;
  }
  const headers: Record<string, string> = { "user-agent": "supabase-task-scheduler/1", ...payload.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    headers["content-type"] = typeof payload.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  }
  if (run.task.signing_secret) {
    Object.assign(headers, webhookHeaders(run.task.signing_secret, run.run_id, Math.floor(startedAt.getTime() / 1000), body ?? ""));
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), run.timeout_seconds * 1000);
  try {
    const { response, url: finalUrl, redirects } = await guardedFetch(deps.fetch, url, {
      method: payload.method, headers, body, signal: controller.signal,
    }, { maxRedirects: payload.max_redirects, allow: deps.allowHosts, resolve: deps.resolve });
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
    if (response.ok) {
      return { run_id: run.run_id, status: "completed", retryable: false, output, log_summary: summary, started_at: startedAt.toISOString(), ended_at: endedAt.toISOString() };
    }
    return { ...failed(run, `${payload.method} ${finalUrl} answered ${response.status}`, retryableStatus(response.status), startedAt, deps.now, output), log_summary: summary };
  } catch (err) {
    if (err instanceof BlockedTargetError) return failed(run, err.message, false, startedAt, deps.now);
    if (controller.signal.aborted) return failed(run, `timed out after ${run.timeout_seconds} s (timeout_seconds)`, true, startedAt, deps.now);
    return failed(run, `request failed: ${err instanceof Error ? err.message : String(err)}`, true, startedAt, deps.now);
  } finally {
    clearTimeout(timer);
  }
}

export function createHandler(deps: HttpDeps) {
  return async (req: Request): Promise<Response> => {
    try {
      requirePost(req);
      await requireServiceCaller(req, { ...deps.auth, nowSeconds: Math.floor(deps.now().getTime() / 1000) });
      const { runs } = await readJson(req, ActionRequest);
      const results = await executeRuns(runs, deps.concurrency ?? 64, (run) => executeHttpRun(run, deps), deps.now);
      for (const r of results) {
        if (r.status === "failed") deps.logger.warn("run failed", { run_id: r.run_id, error: r.error_message, retryable: r.retryable });
      }
      return json({ results });
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  };
}
