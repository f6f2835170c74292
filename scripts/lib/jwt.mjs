// HS256 JSON Web Tokens with node:crypto: enough to mint the local keys and to
// verify them in the gateway the way Supabase's relay does.
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

export function signJwt(payload, secret) {
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${sig}`;
}

/** Returns the claims, or throws an Error whose message says why the token is refused. */
export function verifyJwt(token, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) throw new Error("Invalid JWT: expected three dot-separated parts");
  const [h, p, s] = parts;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new Error("Invalid JWT: header or payload is not base64url JSON");
  }
  if (header.alg !== "HS256") throw new Error(`Invalid JWT: unsupported algorithm ${header.alg}`);
  const expected = createHmac("sha256", secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error("Invalid JWT: signature verification failed");
  }
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds) throw new Error("Invalid JWT: token has expired");
  if (typeof claims.nbf === "number" && claims.nbf > nowSeconds) throw new Error("Invalid JWT: token is not valid yet");
  return claims;
}
