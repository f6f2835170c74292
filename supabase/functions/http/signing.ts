// Standard Webhooks signatures (https://www.standardwebhooks.com): the
// receiver recomputes HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>"
// with the secret (base64 after the whsec_ prefix) and compares it with the
// v1 entry of webhook-signature.
// node:crypto's synchronous HMAC, not WebCrypto: a batch signs hundreds of
// small bodies, and importKey + sign through WebCrypto's async ops cost about
// a fifth of the http function's CPU per run (bench/RESULTS.md, fan-out).
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
