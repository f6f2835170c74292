// For a function of the project that the edge-function action calls: checks
// that a request is the scheduler's call for a run of its owner. The call is
// a Standard Webhooks delivery signed with the owner's function_secret (only
// the project's service side can read it: scheduler.edge_function_secret),
// and its body says which run, task and owner it is for. Copy this into a
// function of your own, or import it as hello-scheduler does.
import { verifyWebhook } from "./standard-webhooks.ts";

/** The signed envelope's data (edge-function/handler.ts builds it). */
export interface SchedulerCall {
  run_id: string;
  task_id: string;
  task_name: string;
  owner_id: string;
  attempt: number;
  scheduled_time: string;
  triggered_by: string;
  /** The same for every attempt of one due time: keep it to handle each once. */
  idempotency_key: string;
  inputs: Record<string, unknown>;
  /** The task's action_payload.body, rendered. */
  body: unknown;
}

export type SchedulerCallCheck = { ok: true; call: SchedulerCall } | { ok: false; reason: string };

/**
 * `rawBody` is the request's body as received; `secretOf` reads the owner's
 * function_secret (select scheduler.edge_function_secret($1), as service_role).
 */
export async function verifySchedulerCall(
  headers: Headers,
  rawBody: string,
  secretOf: (ownerId: string) => Promise<string | null>,
  nowSeconds: number,
): Promise<SchedulerCallCheck> {
  const owner = headers.get("x-scheduler-owner-id") ?? "";
  if (!/^[0-9a-f-]{36}$/i.test(owner)) return { ok: false, reason: "no x-scheduler-owner-id: not a call of the scheduler" };
  const secret = await secretOf(owner);
  if (!secret) return { ok: false, reason: "the owner has no function secret" };
  const failure = await verifyWebhook(secret, headers, rawBody, nowSeconds);
  if (failure) return { ok: false, reason: failure };
  let envelope: { type?: unknown; data?: SchedulerCall };
  try {
    envelope = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: "the body is not JSON" };
  }
  // the signed body is what counts: its owner must be the one whose secret verified it
  if (envelope.type !== "scheduler.run" || envelope.data?.owner_id !== owner) return { ok: false, reason: "the signed body is for another owner" };
  return { ok: true, call: envelope.data };
}
