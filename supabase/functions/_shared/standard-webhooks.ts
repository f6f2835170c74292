// Standard Webhooks signatures (https://www.standardwebhooks.com): the
// receiver recomputes HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>"
// with the secret (base64 after the whsec_ prefix) and compares it with the
// v1 entry of webhook-signature. The http and edge-function actions sign;
// the inbound-events function and the project's functions called by the
// edge-function action verify.
// Signing uses node:crypto's synchronous HMAC, not WebCrypto: a batch signs
// hundreds of small bodies, and importKey + sign through WebCrypto's async
// ops cost about a fifth of the http function's CPU per run
// (bench/RESULTS.md, fan-out). Verifying is one request at a time, with
// WebCrypto.
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

export function webhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signWebhook(secret, id, timestampSeconds, body),
  };
}

/** How far webhook-timestamp may be from now, as the specification's libraries allow. */
export const toleranceSeconds = 300;

export type VerifyFailure = "missing headers" | "timestamp out of tolerance" | "bad signature";

const base64Bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function constantTimeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

/**
 * Checks a delivery: webhook-id and webhook-timestamp present, the timestamp
 * within the tolerance of now, and one v1 entry of webhook-signature (a
 * space-separated list) the HMAC of id.timestamp.body under the secret.
 * Returns null when it verifies, else why not.
 */
export async function verifyWebhook(secret: string, headers: Headers, rawBody: string, nowSeconds: number): Promise<VerifyFailure | null> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return "missing headers";
  const ts = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - ts) > toleranceSeconds) return "timestamp out of tolerance";
  let keyBytes: Uint8Array;
  try {
    keyBytes = base64Bytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  } catch {
    return "bad signature";
  }
  const key = await crypto.subtle.importKey("raw", keyBytes as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${rawBody}`)));
  const expected = btoa(String.fromCharCode(...mac));
  let match = false;
  for (const entry of signatures.split(" ")) {
    const [version, signature] = entry.split(",", 2);
    if (version === "v1" && signature !== undefined) match = constantTimeEqual(signature, expected) || match;
  }
  return match ? null : "bad signature";
}
