// The watch action: each run is one poll of a watcher (a task with
// action_type watch; its state is scheduler.watchers). It GETs the source
// through the http action's SSRF guard, with its signing (webhook-id is the
// run's idempotency key) and a size limit, picks the items out of the answer
// (or hashes it) and hands them all to scheduler.record_watcher_poll, which
// dedupes them against the seen-set, inserts one event per new item and moves
// the watcher's state in one transaction. A poll that fails (the URL refused
// or unreachable, an error status, an answer over the limit, items or a key
// that match nothing) goes to scheduler.record_watcher_error, which keeps the
// error, backs the next poll off and pauses the watcher after
// pause_after_errors in a row; the run fails with the same message. Waiting,
// the start gate and recording the run are the shared runner's.
//
// A source of type sql calls a database function instead, exactly as the sql
// action does (scheduler.sql_action_prepare, _shared/sql-call.ts): as the
// task's owner (role authenticated with their claims, so RLS and EXECUTE
// decide), timeout_seconds as the statement timeout. Its result is the
// answer, picked and deduped as a feed's is. The call and
// record_watcher_poll commit in one transaction: what the function did and
// what the watcher remembered go together, or neither does.
import type { ActionResult, WatchSource } from "../../../shared/contract.ts";
import { renderJsonTemplate, renderTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult } from "../_shared/action-result.ts";
import { createActionHandler, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import type { Db, DbTransaction } from "../_shared/db.ts";
import { readLimited } from "../_shared/read-limited.ts";
import { BlockedTargetError, guardedFetch, type Resolve } from "../_shared/ssrf.ts";
// the same Standard Webhooks signing as the http action's deliveries
import { webhookHeaders } from "../_shared/standard-webhooks.ts";
import type { Connect } from "../_shared/pinned-http.ts";
import { callPrepared, describeError, isPgError, isStatementTimeout, type PreparedCall, prepareCallSql } from "../_shared/sql-call.ts";
import { boundedItem, canonicalJson, hashAnswer, parseAnswer, pickItems, PollError } from "./extract.ts";

export interface WatchDeps extends RunnerDeps {
  resolve: Resolve;
  /** Connections to the addresses the SSRF guard checked (deno-connect.ts on the Edge Runtime). */
  connect: Connect;
  allowHosts: Set<string>;
  concurrency?: number;
}

/** What executing a poll needs (the database and the worker are the request's, from the runner). */
export type WatchIo = Pick<WatchDeps, "now" | "resolve" | "connect" | "allowHosts">;
export type WatchRun = ValidRun<"watch">;

const recordPollSql = "select scheduler.record_watcher_poll($1::uuid, $2, $3::text::jsonb, $4::timestamptz) as summary";
const recordErrorSql = "select scheduler.record_watcher_error($1::uuid, $2, $3, $4::timestamptz) as streak";
const watcherStateSql = "select cursor #>> '{}' as cursor, last_success_at from scheduler.watchers where task_id = $1::uuid";

type HttpSource = Extract<WatchSource, { type: "http" }>;
type SqlSource = Extract<WatchSource, { type: "sql" }>;

interface Answer {
  url: string;
  status: number;
  redirects: number;
  bytes: number;
  content_type: string | null;
  text: string;
}

const namesWatcher = (s: string) => /\{\{\s*watcher\./.test(s);
const usesWatcherState = (source: WatchSource) =>
  source.type === "http"
    ? [source.url, ...Object.values(source.headers)].some(namesWatcher)
    : namesWatcher(JSON.stringify(source.args));

/** The run's template context, with {{watcher.cursor}} and {{watcher.last_success_at}} when the source names them. */
async function pollContext(run: WatchRun, db: Pick<Db, "executeSql">): Promise<Record<string, unknown>> {
  const ctx: Record<string, unknown> = templateContext(run);
  if (usesWatcherState(run.payload.source)) {
    const [state] = await db.executeSql<{ cursor: string | null; last_success_at: string | null }>(watcherStateSql, [run.task_id]);
    ctx.watcher = { cursor: state?.cursor ?? null, last_success_at: state?.last_success_at ?? null };
  }
  return ctx;
}

/** The source's URL and headers rendered (with {{watcher.cursor}} when they name it), then one guarded, signed GET. */
async function fetchAnswer(run: WatchRun, db: Db, deps: WatchIo, startedAt: Date): Promise<Answer> {
  const source = run.payload.source as HttpSource;
  const ctx = await pollContext(run, db);
  let url: string;
  const headers: Record<string, string> = {
    "user-agent": "supabase-task-scheduler/1",
    accept: run.payload.mode === "items" ? "application/json" : "*/*",
  };
  try {
    url = renderTemplate(source.url, ctx);
    for (const [name, value] of Object.entries(source.headers)) {
      // a header of the payload replaces the default of the same name, whatever its case
      for (const own of Object.keys(headers)) if (own.toLowerCase() === name.toLowerCase()) delete headers[own];
      headers[name] = renderTemplate(value, ctx);
    }
  } catch (err) {
    if (err instanceof TemplateError) throw new PollError(err.message);
    throw err;
  }
  const webhookId = run.idempotency_key || run.run_id;
  if (run.task.signing_secret) Object.assign(headers, webhookHeaders(run.task.signing_secret, webhookId, Math.floor(startedAt.getTime() / 1000), ""));
  else headers["webhook-id"] = webhookId;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), run.timeout_seconds * 1000);
  try {
    const { response, url: finalUrl, redirects } = await guardedFetch(url, { method: "GET", headers, signal: controller.signal }, {
      maxRedirects: source.max_redirects, allow: deps.allowHosts, resolve: deps.resolve, connect: deps.connect,
    });
    if (!response.ok) {
      const { text } = await readLimited(response, 300);
      throw new PollError(`GET ${finalUrl} answered ${response.status}${text ? `: ${text.slice(0, 300)}` : ""}`);
    }
    const { text, truncated, bytes } = await readLimited(response, source.max_response_bytes);
    if (truncated) {
      const declared = response.headers.get("content-length");
      throw new PollError(`the answer of GET ${finalUrl} is over max_response_bytes (${source.max_response_bytes}${declared ? `; it declares ${declared}` : ""}): nothing was read as items`);
    }
    return { url: finalUrl, status: response.status, redirects, bytes, content_type: response.headers.get("content-type"), text };
  } catch (err) {
    if (err instanceof PollError || err instanceof BlockedTargetError) throw new PollError(err.message);
    if (controller.signal.aborted) throw new PollError(`GET ${url} timed out after ${run.timeout_seconds} s (timeout_seconds)`);
    throw new PollError(`GET ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The run's one-line account of a successful poll, saying when the cap held items back. */
function pollMessage(summary: Record<string, unknown>): string {
  const n = (k: string) => Number(summary[k] ?? 0);
  if (summary.mode === "hash") {
    if (!summary.changed) return "unchanged since the last poll";
    return n("seeded") ? "first poll: the hash was remembered without an event (seed_first_poll)" : "changed: 1 event";
  }
  if (n("seeded")) return `first poll: ${n("seeded")} items remembered without events (seed_first_poll)`;
  const base = `${n("new")} new of ${n("items_seen")} items: ${n("emitted")} events`;
  return summary.capped
    ? `${base}, the most one poll emits (max_events_per_poll ${n("max_events_per_poll")}); ${n("left_for_next_poll")} wait for the next poll`
    : base;
}

type Picked = { key: string; item: unknown; cursor?: string | number };
interface Recorded {
  summary: Record<string, unknown>;
  omitted: number;
}

/** Picks the items out of the answer's text (or hashes it) and hands them to record_watcher_poll. */
async function recordAnswer(db: Pick<Db, "executeSql">, run: WatchRun, worker: string, text: string, hashItem: Record<string, unknown>, now: () => Date): Promise<Recorded> {
  const payload = run.payload;
  let items: Picked[];
  let omitted = 0;
  if (payload.mode === "hash") {
    items = [{ key: hashAnswer(text, payload.items), item: hashItem }];
  } else {
    items = pickItems(parseAnswer(text), payload).map((picked) => {
      const bounded = boundedItem(picked.item);
      if (bounded.omitted) omitted++;
      return { ...picked, item: bounded.item };
    });
  }
  try {
    const [{ summary }] = await db.executeSql<{ summary: Record<string, unknown> }>(recordPollSql, [run.run_id, worker, JSON.stringify(items), now().toISOString()]);
    return { summary, omitted };
  } catch (err) {
    // refused as bad input (22023: more items than seen_limit ...): a failed poll like any other
    const code = (err as { code?: string }).code;
    if (code === "22023") throw new PollError(err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/** A poll that failed, with what the run may still say about the source's answer. */
class SourcePollError extends PollError {
  constructor(message: string, readonly output: Record<string, unknown> | undefined) {
    super(message);
  }
}

/**
 * Source sql: in one transaction, the call prepared by the sql action's rules
 * (as the owner, or service_role when an admin set run_as), its result picked
 * and recorded by record_watcher_poll. Anything that fails rolls all of it back.
 */
async function pollFunction(run: WatchRun, db: Db, worker: string, now: () => Date): Promise<Recorded & { output: Record<string, unknown> }> {
  if (!db.transaction) throw new Error("a watcher with source.type sql needs a database client that runs transactions");
  let prepared: PreparedCall | undefined;
  let output: Record<string, unknown> | undefined;
  try {
    return await db.transaction(async (tx: DbTransaction) => {
      const [p] = await tx.executeSql<PreparedCall>(prepareCallSql, [run.run_id, worker]);
      prepared = p;
      if (p.state === "not_running") throw new PollError(`not called: ${p.error}`);
      if (p.state === "refused") throw new PollError(p.error ?? "refused");
      output = { function: p.function_signature, role: p.run_as };
      // strings of args are templates over the run (and the watcher's cursor)
      let args: unknown;
      try {
        args = renderJsonTemplate(p.args, await pollContext(run, tx));
      } catch (err) {
        if (err instanceof TemplateError) throw new PollError(err.message);
        throw err;
      }
      const row = await callPrepared(tx, p, run, args);
      output = { ...output, bytes: row.result_bytes };
      if (row.result_text !== null) {
        throw new PollError(`the result of ${p.function_signature} is ${row.result_bytes} bytes of JSON, over max_response_bytes (${p.max_output_bytes}): nothing was read as items`);
      }
      const recorded = await recordAnswer(tx, run, worker, canonicalJson(row.result ?? null), { ...output }, now);
      return { ...recorded, output };
    });
  } catch (err) {
    const what = prepared?.function_signature ?? (run.payload.source as SqlSource).function;
    if (err instanceof PollError) throw new SourcePollError(err.message, output);
    if (isPgError(err)) {
      throw new SourcePollError(isStatementTimeout(err)
        ? `${what} timed out after ${run.timeout_seconds} s (timeout_seconds, the statement timeout): ${describeError(err)}`
        : `${what} failed: ${describeError(err)}`, output);
    }
    throw err;
  }
}

export async function executeWatchRun(run: WatchRun, db: Db, worker: string, deps: WatchIo): Promise<ActionResult> {
  const startedAt = deps.now();
  let output: Record<string, unknown> | undefined;
  try {
    let recorded: Recorded;
    let redirects: number | undefined;
    if (run.payload.source.type === "sql") {
      const polled = await pollFunction(run, db, worker, deps.now);
      output = polled.output;
      recorded = polled;
    } else {
      const answer = await fetchAnswer(run, db, deps, startedAt);
      output = { url: answer.url, status: answer.status, bytes: answer.bytes };
      recorded = await recordAnswer(db, run, worker, answer.text,
        { url: answer.url, status: answer.status, bytes: answer.bytes, content_type: answer.content_type }, deps.now);
      redirects = answer.redirects;
    }
    const { summary, omitted } = recorded;
    const endedAt = deps.now();
    const message = pollMessage(summary);
    return completedResult(run, {
      startedAt, endedAt,
      output: { message, ...output, ...(redirects === undefined ? {} : { redirects }) },
      log_summary: { ...summary, ...(omitted ? { items_omitted: omitted } : {}), duration_ms: endedAt.getTime() - startedAt.getTime() },
    });
  } catch (err) {
    if (err instanceof SourcePollError) output = err.output;
    const message = err instanceof PollError ? err.message : `the poll failed: ${err instanceof Error ? err.message : String(err)}`;
    try {
      const [{ streak }] = await db.executeSql<{ streak: Record<string, unknown> }>(recordErrorSql, [run.run_id, worker, message, deps.now().toISOString()]);
      const paused = streak.paused ? `; ${streak.error_count} failed polls in a row: the watcher paused itself (pause_after_errors)` : "";
      return failedResult(run, `${message}${paused}`, { retryable: false, startedAt, endedAt: deps.now(), output, log_summary: streak });
    } catch (recordErr) {
      const why = recordErr instanceof Error ? recordErr.message : String(recordErr);
      return failedResult(run, `${message} (the watcher's error count could not be kept: ${why.slice(0, 300)})`, { retryable: false, startedAt, endedAt: deps.now(), output });
    }
  }
}

export function createHandler(deps: WatchDeps) {
  return createActionHandler({
    action: "watch",
    concurrency: deps.concurrency ?? 16,
    executeRun: (run, { db, worker }) => executeWatchRun(run, db, worker, deps),
  }, deps);
}
