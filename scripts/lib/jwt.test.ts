import { expect, test } from "vitest";
import { signJwt, verifyJwt } from "./jwt.mjs";
import { anonKey, jwtSecret, serviceRoleKey } from "./keys.mjs";

test("the local keys are the Supabase CLI's well-known ones", () => {
  expect(anonKey).toBe("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0");
  expect(verifyJwt(serviceRoleKey, jwtSecret)).toMatchObject({ role: "service_role" });
});

test("tampered payloads, other algorithms and expiry are refused", () => {
  const token = signJwt({ role: "anon", exp: 2_000_000_000 }, jwtSecret);
  const [h, , s] = token.split(".");
  const forgedPayload = Buffer.from(JSON.stringify({ role: "service_role", exp: 2_000_000_000 })).toString("base64url");
  expect(() => verifyJwt(`${h}.${forgedPayload}.${s}`, jwtSecret)).toThrow(/signature/);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${forgedPayload}.`;
  expect(() => verifyJwt(none, jwtSecret)).toThrow(/algorithm/);
  expect(() => verifyJwt(signJwt({ exp: 100 }, jwtSecret), jwtSecret, 200)).toThrow(/expired/);
  expect(() => verifyJwt("a.b", jwtSecret)).toThrow(/three/);
});
