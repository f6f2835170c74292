// verify_jwt only proves a JWT is valid, and the anon key is one: each
// function checks who is calling. Action functions accept only the
// service_role; the dispatcher also accepts its own narrow secret.
import { HttpError } from "./http.ts";

function bearer(req: Request): string | null {
  return /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? null;
}

function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** HS256 verification with Web Crypto; returns the claims or null. */
export async function verifyHs256(token: string, secret: string, nowSeconds: number): Promise<Record<string, unknown> | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[0])));
    if (header.alg !== "HS256") return null;
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, base64UrlDecode(parts[2]) as BufferSource, new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
    if (!ok) return null;
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1])));
    if (typeof claims.exp === "number" && claims.exp <= nowSeconds) return null;
    return claims;
  } catch {
    return null;
  }
}

export interface CallerCheck {
  serviceRoleKey: string;
  /** When set, the service-role JWT's signature is verified too. */
  jwtSecret?: string;
  /** The dispatcher's own secret (pg_cron → pg_net → dispatcher). */
  dispatcherSecret?: string;
  nowSeconds: number;
}

/** Throws 401 unless the caller presents the service-role key (or the dispatcher secret, where allowed). */
export async function requireServiceCaller(req: Request, check: CallerCheck): Promise<"service_role" | "dispatcher"> {
  const token = bearer(req);
  if (!token) throw new HttpError(401, "unauthorized", "missing Authorization: Bearer <service_role key>");
  if (check.dispatcherSecret && timingSafeEqual(token, check.dispatcherSecret)) return "dispatcher";
  if (timingSafeEqual(token, check.serviceRoleKey)) return "service_role";
  if (check.jwtSecret) {
    const claims = await verifyHs256(token, check.jwtSecret, check.nowSeconds);
    if (claims?.role === "service_role") return "service_role";
  }
  throw new HttpError(401, "unauthorized", "only the service role may call this function");
}
