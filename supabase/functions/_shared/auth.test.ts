// Who may call a function, for each configuration a project can have: both
// key kinds, legacy keys only, secret keys only, and neither.
import { describe, expect, test } from "vitest";
import { signJwt } from "../../../scripts/lib/jwt.mjs";
import { anonKey, jwtSecret, publishableKey, secretKey, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { type CallerCheck, requireServiceCaller, serviceCallHeaders, type ServiceCredentials } from "./auth.ts";
import { parseServiceCredentials } from "./env.ts";
import { HttpError } from "./http.ts";

const now = Math.floor(Date.now() / 1000);
const both: ServiceCredentials = { secretKeys, serviceRoleKey, jwtSecret };
const legacyOnly: ServiceCredentials = { secretKeys: {}, serviceRoleKey, jwtSecret };
const secretOnly: ServiceCredentials = { secretKeys };

const request = (headers: Record<string, string>) => new Request("http://fn/x", { method: "POST", headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function refusal(headers: Record<string, string>, credentials: ServiceCredentials, extra: Partial<CallerCheck> = {}): Promise<string> {
  try {
    await requireServiceCaller(request(headers), { ...credentials, nowSeconds: now, ...extra });
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(401);
    return (err as HttpError).message;
  }
  throw new Error(`accepted ${JSON.stringify(Object.keys(headers))}`);
}

describe("requireServiceCaller", () => {
  test("a secret key in apikey is accepted, whichever of the project's secret keys it is", async () => {
    const two = { ...both, secretKeys: { default: secretKey, backend: "sb_secret_another-local-key_0000" } };
    expect(await requireServiceCaller(request({ apikey: secretKey }), { ...two, nowSeconds: now })).toBe("service_role");
    expect(await requireServiceCaller(request({ apikey: "sb_secret_another-local-key_0000" }), { ...two, nowSeconds: now })).toBe("service_role");
    expect(await requireServiceCaller(request({ apikey: secretKey }), { ...secretOnly, nowSeconds: now })).toBe("service_role");
  });

  test("a secret key of another project, or one character off, is refused", async () => {
    expect(await refusal({ apikey: `${secretKey.slice(0, -1)}X` }, both)).toMatch(/unrecognised credentials/);
    expect(await refusal({ apikey: "sb_secret_someone-elses-key-000_abcdefgh" }, both)).toMatch(/expected one of the project's secret keys/);
  });

  test("a secret key as a bearer token is refused, saying where it goes", async () => {
    expect(await refusal(bearer(secretKey), both)).toMatch(/not a JWT and does not go in Authorization: Bearer.*apikey header/);
  });

  test("publishable keys and anon JWTs are refused with what is expected", async () => {
    expect(await refusal({ apikey: publishableKey }, both)).toMatch(/publishable key .*is for clients.*expected one of the project's secret keys \(sb_secret_…\) in the apikey header/);
    expect(await refusal(bearer(publishableKey), both)).toMatch(/publishable key/);
    expect(await refusal(bearer(anonKey), both)).toMatch(/the anon key is for clients.*legacy service_role key/);
    expect(await refusal({ apikey: anonKey }, both)).toMatch(/the anon key/);
    // supabase-js with a publishable key and a signed-in user sends both
    const user = await signJwt({ role: "authenticated", sub: "u1", exp: now + 60 }, jwtSecret);
    expect(await refusal({ apikey: publishableKey, ...bearer(user) }, both)).toMatch(/publishable key/);
    expect(await refusal(bearer(user), both)).toMatch(/a user's JWT/);
    expect(await refusal({}, both)).toMatch(/^no credentials: expected/);
  });

  test("legacy only: the service_role JWT as a bearer token or in apikey", async () => {
    expect(await requireServiceCaller(request(bearer(serviceRoleKey)), { ...legacyOnly, nowSeconds: now })).toBe("service_role");
    expect(await requireServiceCaller(request({ apikey: serviceRoleKey }), { ...legacyOnly, nowSeconds: now })).toBe("service_role");
    expect(await refusal({ apikey: secretKey }, legacyOnly)).toMatch(/unrecognised credentials/);
    expect(await refusal(bearer(anonKey), legacyOnly)).toMatch(/anon key/);
  });

  test("another service_role JWT needs a valid signature, so the JWT secret; the configured key is accepted as is", async () => {
    const forged = await signJwt({ role: "service_role", exp: now + 60 }, "another-projects-secret-of-32-characters!");
    expect(await refusal(bearer(forged), both)).toMatch(/service_role JWT is not accepted/);
    const expired = await signJwt({ role: "service_role", exp: now - 1 }, jwtSecret);
    expect(await refusal(bearer(expired), both)).toMatch(/service_role JWT is not accepted/);
    // another validly signed service_role JWT of this project
    const minted = await signJwt({ role: "service_role", exp: now + 60 }, jwtSecret);
    expect(await requireServiceCaller(request(bearer(minted)), { ...both, nowSeconds: now })).toBe("service_role");
    // the configured key even past its exp (a test clock in 2033): it is what the platform gave
    expect(await requireServiceCaller(request(bearer(serviceRoleKey)), { ...both, nowSeconds: 2_000_000_000 })).toBe("service_role");
    const withoutSecret = { ...both, jwtSecret: undefined };
    expect(await requireServiceCaller(request(bearer(serviceRoleKey)), { ...withoutSecret, nowSeconds: now })).toBe("service_role");
    expect(await refusal(bearer(minted), withoutSecret)).toMatch(/service_role JWT is not accepted/);
  });

  test("secret keys only: the legacy JWT is refused", async () => {
    const message = await refusal(bearer(serviceRoleKey), secretOnly);
    expect(message).toMatch(/service_role JWT is not accepted/);
    expect(message).not.toMatch(/legacy service_role key as/);
  });

  test("the dispatcher secret counts only where allowed, and only as a bearer token", async () => {
    const dispatcherSecret = "local-dispatcher-secret-for-this-test";
    expect(await requireServiceCaller(request(bearer(dispatcherSecret)), { ...both, dispatcherSecret, nowSeconds: now })).toBe("dispatcher");
    expect(await refusal(bearer(dispatcherSecret), both)).toMatch(/unrecognised credentials/);
    expect(await refusal({ apikey: dispatcherSecret }, both, { dispatcherSecret })).toMatch(/unrecognised credentials/);
  });
});

describe("serviceCallHeaders", () => {
  test("a secret key in apikey, and no bearer token, when the project has one", () => {
    expect(serviceCallHeaders(both)).toEqual({ apikey: secretKey });
    expect(serviceCallHeaders({ secretKeys: { other: "sb_secret_x", default: secretKey } })).toEqual({ apikey: secretKey });
  });

  test("the legacy key in apikey and as a bearer token when it is all there is", () => {
    expect(serviceCallHeaders(legacyOnly)).toEqual({ apikey: serviceRoleKey, authorization: `Bearer ${serviceRoleKey}` });
  });

  test("what it sends is what requireServiceCaller accepts", async () => {
    for (const credentials of [both, legacyOnly, secretOnly]) {
      const headers = serviceCallHeaders(credentials);
      expect(await requireServiceCaller(request(headers), { ...credentials, nowSeconds: now })).toBe("service_role");
    }
  });
});

describe("parseServiceCredentials", () => {
  test("reads SUPABASE_SECRET_KEYS as hosted sets it, beside the legacy key and JWT secret", () => {
    expect(parseServiceCredentials({
      SUPABASE_SECRET_KEYS: JSON.stringify(secretKeys),
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_JWT_SECRET: jwtSecret,
    })).toEqual(both);
  });

  test("legacy only, and secret keys only, are each enough", () => {
    expect(parseServiceCredentials({ SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey })).toEqual({ secretKeys: {}, serviceRoleKey, jwtSecret: undefined });
    expect(parseServiceCredentials({ SUPABASE_SECRET_KEYS: "{}", SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey }).secretKeys).toEqual({});
    expect(parseServiceCredentials({ SUPABASE_SECRET_KEYS: JSON.stringify(secretKeys) })).toEqual({ secretKeys, serviceRoleKey: undefined, jwtSecret: undefined });
  });

  test("neither fails loudly, naming both", () => {
    for (const env of [{}, { SUPABASE_SECRET_KEYS: "{}" }, { SUPABASE_SECRET_KEYS: "" }]) {
      expect(() => parseServiceCredentials(env)).toThrow(/SUPABASE_SECRET_KEYS.*nor SUPABASE_SERVICE_ROLE_KEY/);
    }
  });

  test("malformed secret keys fail without echoing them", () => {
    const messageOf = (env: Record<string, string>) => {
      try {
        parseServiceCredentials(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("parsed");
    };
    const bare = messageOf({ SUPABASE_SECRET_KEYS: secretKey, SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey });
    expect(bare).toMatch(/SUPABASE_SECRET_KEYS: is not JSON/);
    expect(bare).not.toContain("LOCAL-ONLY");
    const publishable = messageOf({ SUPABASE_SECRET_KEYS: JSON.stringify({ default: publishableKey }) });
    expect(publishable).toMatch(/SUPABASE_SECRET_KEYS\.default: is not a secret key/);
    expect(publishable).not.toContain("LOCAL-ONLY");
  });
});
