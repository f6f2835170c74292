// The inbound endpoint for external systems: POST
// /functions/v1/inbound-events/<user id> with a Standard Webhooks delivery
// signed with that user's inbound secret (scheduler.my_inbound_secret()),
// body {type, timestamp?, data}. A delivery that verifies becomes an event of
// the user (event_type = type, payload = data), which starts their
// subscribed tasks at once; its webhook-id is recorded with it, so a
// delivery sent again answers 200 with the event recorded the first time
// (201 for a new one) and starts nothing. verify_jwt is off: the signature
// is the credential, and an unknown user answers as a bad signature does.
import { z } from "zod";
import type { Db, DbFactory } from "../_shared/db.ts";
import { errorResponse, HttpError, json, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";
import { readLimited } from "../_shared/read-limited.ts";
import { verifyWebhook } from "../_shared/standard-webhooks.ts";

export interface InboundDeps {
  db: DbFactory;
  now: () => Date;
  logger: Logger;
}

/** Larger deliveries are refused unread past this: an event's payload is at most 64 KiB of JSON. */
export const maxDeliveryBytes = 262_144;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const InboundDelivery = z.object({
  type: z.string().min(1).max(200),
  timestamp: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});

/** The user a delivery is for: the path's last segment (/inbound-events/<id>), else ?user=<id>. */
function userOf(req: Request): string {
  const url = new URL(req.url);
  const last = url.pathname.split("/").filter(Boolean).at(-1) ?? "";
  const id = uuid.test(last) ? last : url.searchParams.get("user") ?? "";
  if (!uuid.test(id)) throw new HttpError(404, "no_such_endpoint", "post to /functions/v1/inbound-events/<user id>: the user's id names their endpoint");
  return id.toLowerCase();
}

const pgState = (err: unknown) => err instanceof Error && err.name === "PostgresError" ? (err as { code?: string }).code : undefined;

export function createHandler(deps: InboundDeps) {
  return async (req: Request): Promise<Response> => {
    let db: Db | undefined;
    try {
      requirePost(req);
      const userId = userOf(req);
      const webhookId = req.headers.get("webhook-id") ?? "";
      if (!webhookId || !req.headers.get("webhook-timestamp") || !req.headers.get("webhook-signature")) {
        throw new HttpError(400, "missing_signature", "a delivery carries webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)");
      }
      if (webhookId.length > 255) throw new HttpError(400, "invalid_webhook_id", "webhook-id is at most 255 characters");
      const { text, truncated } = await readLimited(req, maxDeliveryBytes);
      if (truncated) throw new HttpError(413, "too_large", `a delivery is at most ${maxDeliveryBytes} bytes`);
      db = deps.db();
      const [{ secret }] = await db.executeSql<{ secret: string | null }>("select scheduler.inbound_event_secret($1::uuid) as secret", [userId]);
      const failure = secret === null
        ? "bad signature"
        : await verifyWebhook(secret, req.headers, text, Math.floor(deps.now().getTime() / 1000));
      if (failure !== null) {
        throw new HttpError(401, "invalid_signature", failure === "timestamp out of tolerance"
          ? "webhook-timestamp is more than 5 minutes from now"
          : "the signature does not verify with this endpoint's secret");
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, "invalid_json", "the delivery's body is not JSON");
      }
      const delivery = InboundDelivery.safeParse(body);
      if (!delivery.success) throw new HttpError(400, "invalid_delivery", "expected {type, data}: type names the event (1 to 200 characters), data is a JSON object", delivery.error.issues);
      let row: { event_id: string; duplicate: boolean };
      try {
        [row] = await db.executeSql<{ event_id: string; duplicate: boolean }>(
          "select * from scheduler.record_inbound_event($1::uuid, $2, $3, $4::text::jsonb)",
          [userId, webhookId, delivery.data.type, JSON.stringify(delivery.data.data)],
        );
      } catch (err) {
        if (pgState(err) === "22023") throw new HttpError(400, "invalid_event", err instanceof Error ? err.message : String(err));
        throw err;
      }
      deps.logger.info("inbound event", { user_id: userId, webhook_id: webhookId, event_id: row.event_id, duplicate: row.duplicate });
      return json({ event_id: row.event_id, duplicate: row.duplicate }, row.duplicate ? 200 : 201);
    } catch (err) {
      return errorResponse(err, deps.logger);
    } finally {
      await db?.close().catch(() => {});
    }
  };
}
