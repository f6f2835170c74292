// The contract between the database, the dispatcher and the action
// functions: each action's payload schema, the request an action receives
// (ActionRequest, each of its runs a RunToExecute) and what it records per
// run through complete_runs (ActionResult). The same payload rules
// are enforced in SQL on insert (scheduler_internal.action_payload_error); the test in
// contract.test.ts runs one corpus through both and requires the same verdict.
import { z } from "zod";
import { ActionType, NotificationPriority, NotificationType, RunStatus, StepStatus } from "./enums.ts";

const httpUrl = z.string().max(2048).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname.length > 0;
  } catch {
    return false;
  }
}, { message: "must be an absolute http(s) URL" });

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const HttpPayload = z.strictObject({
  url: httpUrl,
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("POST"),
  headers: z.record(z.string().regex(headerName, "must be a valid header name"), z.string().max(8192)).default({}),
  /** A string template, or JSON whose strings are templates. */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  max_redirects: z.number().int().min(0).max(10).default(3),
  max_response_bytes: z.number().int().min(0).max(1_048_576).default(65_536),
});
export type HttpPayload = z.infer<typeof HttpPayload>;

/** An MCP tool's name as OpenAI-compatible function calling accepts it. */
export const mcpToolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a tool name (letters, digits, _ and -, at most 64)");

export const AiPromptPayload = z.strictObject({
  /** The prompt, a template; omit it when the task has task_steps. */
  prompt: z.string().min(1).max(100_000).optional(),
  system: z.string().max(100_000).optional(),
  model: z.string().min(1).max(200).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(200_000).optional(),
  /** Extra tries of a step that failed with a retryable error. */
  step_max_retries: z.number().int().min(0).max(5).default(1),
  /** MCP servers (scheduler.mcp_servers names: the owner's own, or shared by an admin) whose tools the model may call. */
  mcp_servers: z.array(z.string().min(1).max(100)).min(1).max(10).optional(),
  /** The allow-list: the only tools of those servers the model is given and may call. */
  allowed_tools: z.array(mcpToolName).min(1).max(100).optional(),
  /** Tools of the allow-list that wait for a person (an approvals row) before each call. */
  approval_tools: z.array(mcpToolName).max(100).default([]),
  /** Tool calls a run may make in all, across its steps; a model that wants more fails the run. */
  max_tool_calls: z.number().int().min(1).max(50).default(10),
}).superRefine((p, ctx) => {
  if ((p.mcp_servers === undefined) !== (p.allowed_tools === undefined)) {
    ctx.addIssue({ code: "custom", path: ["allowed_tools"], message: "mcp_servers and allowed_tools go together (name the servers, and the tools the model may call)" });
  }
  const allowed = new Set(p.allowed_tools ?? []);
  if (p.approval_tools.some((t) => !allowed.has(t))) {
    ctx.addIssue({ code: "custom", path: ["approval_tools"], message: "each must also be in allowed_tools" });
  }
});
export type AiPromptPayload = z.infer<typeof AiPromptPayload>;

const WebNotify = z.strictObject({
  channel: z.literal("web"),
  title: z.string().min(1).max(255),
  message: z.string().max(10_000).default(""),
  user_id: z.uuid().optional(),
  priority: NotificationPriority.default("normal"),
  type: NotificationType.default("info"),
});
const EmailNotify = z.strictObject({
  channel: z.literal("email"),
  to: z.array(z.email()).min(1).max(50),
  subject: z.string().min(1).max(998),
  message: z.string().max(100_000),
});
const WebhookNotify = z.strictObject({
  channel: z.literal("webhook"),
  url: httpUrl,
  format: z.enum(["slack", "discord", "json"]).default("slack"),
  title: z.string().max(255).optional(),
  message: z.string().min(1).max(10_000),
});
export const NotifyPayload = z.discriminatedUnion("channel", [WebNotify, EmailNotify, WebhookNotify]);
export type NotifyPayload = z.infer<typeof NotifyPayload>;

/**
 * Calls a database function as the task's owner (role authenticated with
 * the owner's claims, as supabase-js rpc() would), or as service_role when an
 * admin set run_as. Whether the function exists, is executable by that role
 * and takes these arguments is checked in SQL when the task is written
 * (scheduler_internal.sql_call), not here.
 */
export const SqlPayload = z.strictObject({
  /** Schema-qualified, as stored: public.close_day. */
  function: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a schema-qualified function name, like public.close_day"),
  /** The function's named arguments, as rpc() takes them. */
  args: z.record(z.string(), z.unknown()).default({}),
  /** service_role only when an admin sets it (a guard trigger refuses anyone else). */
  run_as: z.enum(["owner", "service_role"]).default("owner"),
  /** What is kept of the result in the run's output, in bytes of JSON. */
  max_output_bytes: z.number().int().min(0).max(1_048_576).default(65_536),
});
export type SqlPayload = z.infer<typeof SqlPayload>;

/** Headers the edge-function action sets itself: the call's auth and its signature are the scheduler's. */
export const schedulerSetHeader = (name: string) => {
  const n = name.toLowerCase();
  return ["authorization", "apikey", "webhook-id", "webhook-timestamp", "webhook-signature"].includes(n) || n.startsWith("x-scheduler-");
};

/**
 * Calls an Edge Function of the same project by name, signed for the run and
 * its owner. Which names a non-admin may use is the edge_function_allowlist
 * setting, checked in SQL when the task is written and again at each run.
 */
export const EdgeFunctionPayload = z.strictObject({
  function: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/, "must be an Edge Function name (letters, digits, - and _, starting with a letter)"),
  /** A string template, or JSON whose strings are templates; sent as data.body of the signed envelope. */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  headers: z.record(
    z.string().regex(headerName, "must be a valid header name").refine((n) => !schedulerSetHeader(n), "is set by the scheduler"),
    z.string().max(8192),
  ).default({}),
  max_response_bytes: z.number().int().min(0).max(1_048_576).default(65_536),
});
export type EdgeFunctionPayload = z.infer<typeof EdgeFunctionPayload>;
// ── watch: a watcher's poll (scheduler.watchers holds its state) ──────────

/** RFC 6901: "" (the whole value) or /-separated tokens, where ~ only escapes (~0 is ~, ~1 is /). */
export const jsonPointerPattern = /^(\/([^~/]|~[01])*)*$/;
/** A dotted path of non-empty names (data.items, 0 for a list's first element). */
export const dottedPathPattern = /^[^./][^.]*(\.[^.]+)*$/;
const pointerOrPath = z.string().max(1024).refine((s) => s === "" || jsonPointerPattern.test(s) || dottedPathPattern.test(s), {
  message: "must be a JSON pointer (/data/items) or a dotted path (data.items)",
});

/** An http GET of the answer, through the http action's SSRF guard, signing and size limit. */
export const WatchHttpSource = z.strictObject({
  type: z.literal("http"),
  /** A template: {{watcher.cursor}} is the high-water mark (empty before the first poll). */
  url: httpUrl,
  headers: z.record(z.string().regex(headerName, "must be a valid header name"), z.string().max(8192)).default({}),
  max_redirects: z.number().int().min(0).max(10).default(3),
  /** An answer over this is a failed poll (a cut answer cannot be parsed or hashed truthfully). */
  max_response_bytes: z.number().int().min(1).max(1_048_576).default(1_048_576),
});
/**
 * A database function called as the watcher's owner, under the sql action's
 * rules and with its field names (SqlPayload): role authenticated with the
 * owner's claims (or service_role when an admin set run_as), timeout_seconds
 * as the statement timeout. Whether the function exists, takes these args and
 * is executable by that role is checked in SQL when the task is written. Its
 * result (as JSON: a set-returning function gives a list of its rows) is the
 * answer the items are picked from.
 */
export const WatchSqlSource = z.strictObject({
  type: z.literal("sql"),
  function: SqlPayload.shape.function,
  /** Strings are templates: {{watcher.cursor}} is the high-water mark (empty before the first poll). */
  args: SqlPayload.shape.args,
  run_as: SqlPayload.shape.run_as,
  /** A result whose JSON is over this is a failed poll (a cut result cannot be parsed truthfully). */
  max_response_bytes: z.number().int().min(1).max(1_048_576).default(1_048_576),
});
/**
 * Where a watcher polls: an http GET, or a database function (the sql
 * action's rules). The rest of the payload, the dedupe and the state are
 * the same for both.
 */
export const WatchSource = z.discriminatedUnion("type", [WatchHttpSource, WatchSqlSource]);
export type WatchSource = z.infer<typeof WatchSource>;

export const WatchPayload = z.strictObject({
  source: WatchSource,
  /** items: each new item of a list is an event; hash: an event whenever the answer (or the part `items` picks) changes. */
  mode: z.enum(["items", "hash"]).default("items"),
  /** Where the list is in the answer (mode items; default the answer itself), or what to hash (mode hash; default the raw answer). */
  items: pointerOrPath.optional(),
  /** Each item's dedupe key, within the item; default the SHA-256 of the item's JSON with sorted keys. */
  key: pointerOrPath.optional(),
  /** A field that grows (a number or an ISO timestamp): items below the high-water mark are old; new ones go out oldest first. */
  cursor: pointerOrPath.optional(),
  max_events_per_poll: z.number().int().min(1).max(1000).default(100),
  /** The first poll only remembers what is there (no events). */
  seed_first_poll: z.boolean().default(true),
  /** Failed polls in a row after which the watcher pauses itself and tells its owner. */
  pause_after_errors: z.number().int().min(1).max(100).default(5),
  /** The seen-set's bounds: at most this many keys, each forgotten this many days after it was last listed. */
  seen_limit: z.number().int().min(1).max(100_000).default(10_000),
  seen_max_age_days: z.number().int().min(1).max(3650).default(30),
}).superRefine((p, ctx) => {
  if (p.mode !== "hash") return;
  for (const field of ["key", "cursor"] as const) {
    if (p[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "only for mode items (mode hash compares the hash of the whole answer)" });
  }
});
export type WatchPayload = z.infer<typeof WatchPayload>;

/** Every claim carries its payload to the action: 256 KiB of JSON at most, as the write-time check says. */
export const maxPayloadBytes = 262_144;
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
function bounded<T extends z.ZodType>(schema: T) {
  return schema.refine((p) => jsonBytes(p) <= maxPayloadBytes, { message: `must be at most ${maxPayloadBytes} bytes of JSON` });
}

export const payloadSchemas = {
  "http": bounded(HttpPayload),
  "ai-prompt": bounded(AiPromptPayload),
  "notify": bounded(NotifyPayload),
  "sql": bounded(SqlPayload),
  "edge-function": bounded(EdgeFunctionPayload),
  "watch": bounded(WatchPayload),
} as const;

/** Returns null when the payload is valid for the action, else one readable message. */
export function payloadError(action: ActionType, payload: unknown): string | null {
  const parsed = payloadSchemas[action].safeParse(payload);
  if (parsed.success) return null;
  return parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");
}

export const StepToRun = z.object({
  id: z.uuid(),
  step_order: z.number().int().positive(),
  step_name: z.string(),
  instructions: z.string(),
  include_previous_context: z.boolean(),
  context_data: z.record(z.string(), z.unknown()).default({}),
  /** ai-prompt with mcp_servers: this step's tools, within the payload's allowed_tools (null: all of those). */
  allowed_tools: z.array(z.string()).nullable().default(null),
  /** The run stops before this step until a person approves it. */
  requires_approval: z.boolean().default(false),
});
export type StepToRun = z.infer<typeof StepToRun>;

export const TaskEnvelope = z.object({
  id: z.uuid(),
  name: z.string(),
  owner_id: z.uuid(),
  timezone: z.string(),
  tags: z.array(z.string()).default([]),
  priority: z.string(),
  max_attempts: z.number().int(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  signing_secret: z.string().nullable().optional(),
});
export type TaskEnvelope = z.infer<typeof TaskEnvelope>;

const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "must be an ISO 8601 timestamp" });

export const RunToExecute = z.object({
  run_id: z.uuid(),
  task_id: z.uuid(),
  attempt: z.number().int().positive(),
  scheduled_time: instant,
  triggered_by: z.string(),
  timeout_seconds: z.number().int().positive(),
  action_type: ActionType,
  payload: z.unknown(),
  inputs: z.record(z.string(), z.unknown()).nullable().optional(),
  task: TaskEnvelope,
  steps: z.array(StepToRun).default([]),
  /** Start at this instant (ISO; default scheduled_time); the action waits for it, then asks the start gate. */
  start_at: instant.optional(),
  /** The same for every attempt of one due time (webhook-id, Idempotency-Key); falls back to run_id. */
  idempotency_key: z.string().optional(),
});
export type RunToExecute = z.infer<typeof RunToExecute>;

/**
 * What the dispatcher posts to an action function. Only the envelope is
 * checked here: each run is parsed on its own by the action (one bad run is
 * failed alone, never its batch), so runs stay unknown until then.
 */
export const ActionRequest = z.object({
  /** The dispatcher invocation that claimed the runs (their locked_by); the start gate and complete_runs check it. */
  worker: z.string().min(1).max(200),
  runs: z.array(z.unknown()).min(1).max(1000),
});
export type ActionRequest = z.infer<typeof ActionRequest>;

/** The action's answer, at once: how many runs it took on and how many it failed without starting. */
export const ActionAccepted = z.object({ accepted: z.number().int().min(0), rejected: z.number().int().min(0) });
export type ActionAccepted = z.infer<typeof ActionAccepted>;

export const StepResult = z.object({
  id: z.uuid(),
  status: StepStatus,
  result: z.record(z.string(), z.unknown()).optional(),
  started_at: z.string().optional(),
  ended_at: z.string().optional(),
  error_message: z.string().optional(),
  retry_count: z.number().int().min(0),
});
export type StepResult = z.infer<typeof StepResult>;

export const ActionResult = z.object({
  run_id: z.uuid(),
  status: RunStatus.extract(["completed", "failed"]),
  retryable: z.boolean(),
  output: z.unknown().optional(),
  log: z.string().optional(),
  log_summary: z.unknown().optional(),
  error_message: z.string().optional(),
  started_at: z.string().optional(),
  ended_at: z.string().optional(),
  steps: z.array(StepResult).optional(),
});
export type ActionResult = z.infer<typeof ActionResult>;
