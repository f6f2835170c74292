// Errors as `{ "error": { "code", "message", "details"? } }`; anything
// unknown is logged and answered as a 500 without leaking internals.
import type { Logger } from "./logger.ts";

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = "HttpError";
  }
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function errorResponse(err: unknown, logger: Logger): Response {
  if (err instanceof HttpError) {
    return json({ error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } }, err.status);
  }
  logger.error("unhandled error", { error: err instanceof Error ? err.stack ?? err.message : String(err) });
  return json({ error: { code: "internal_error", message: "internal error; see the function logs" } }, 500);
}

/** Reads and validates a JSON body with a zod-like schema; 400 with the issues otherwise. */
export async function readJson<T>(req: Request, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } } }): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HttpError(400, "invalid_json", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, "invalid_request", "the request body does not match the schema", parsed.error.issues);
  return parsed.data;
}

export function requirePost(req: Request): void {
  if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", `use POST, not ${req.method}`);
}
