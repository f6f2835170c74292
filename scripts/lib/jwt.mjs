// HS256 JSON Web Tokens with jose: enough to mint the local keys and to
// verify them in the gateway the way Supabase's relay does. Refusals are
// worded as the relay words them ("Invalid JWT: …").
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";

const keyOf = (secret) => new TextEncoder().encode(secret);

export async function signJwt(payload, secret) {
  return await new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(keyOf(secret));
}

function why(err, token) {
  if (err instanceof errors.JWTExpired) return "token has expired";
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === "nbf") return "token is not valid yet";
  if (err instanceof errors.JOSEAlgNotAllowed) {
    let alg;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch { /* named as undefined */ }
    return `unsupported algorithm ${alg}`;
  }
  if (err instanceof errors.JWSInvalid && err.message === "Invalid Compact JWS") return "expected three dot-separated parts";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return `header or payload is not base64url JSON (${err.message})`;
  return err.message;
}

/** Resolves to the claims, or rejects with an Error whose message says why the token is refused. */
export async function verifyJwt(token, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ["HS256"], currentDate: new Date(nowSeconds * 1000) });
    return payload;
  } catch (err) {
    throw new Error(`Invalid JWT: ${why(err, token)}`);
  }
}
