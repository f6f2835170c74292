import { expect, test } from "vitest";
import { signJwt, verifyJwt } from "./jwt.mjs";
import { anonKey, jwtSecret, serviceRoleKey } from "./keys.mjs";

test("the local keys are the Supabase CLI's well-known ones", async () => {
  expect(anonKey).toBe("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0");
  expect(await verifyJwt(serviceRoleKey, jwtSecret)).toMatchObject({ role: "service_role" });
});

test("tampered payloads, other algorithms and expiry are refused", async () => {
  const token = await signJwt({ role: "anon", exp: 2_000_000_000 }, jwtSecret);
  const [h, , s] = token.split(".");
  const forgedPayload = Buffer.from(JSON.stringify({ role: "service_role", exp: 2_000_000_000 })).toString("base64url");
  await expect(verifyJwt(`${h}.${forgedPayload}.${s}`, jwtSecret)).rejects.toThrow(/signature/);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${forgedPayload}.`;
  await expect(verifyJwt(none, jwtSecret)).rejects.toThrow(/algorithm/);
  await expect(verifyJwt(await signJwt({ exp: 100 }, jwtSecret), jwtSecret, 200)).rejects.toThrow(/expired/);
  await expect(verifyJwt("a.b", jwtSecret)).rejects.toThrow(/three/);
});
