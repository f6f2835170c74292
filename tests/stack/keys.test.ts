// The stack's own functions, through its gateway (verify_jwt = false, as in
// supabase/config.toml), with each kind of key the platform hands out. An
// empty batch gets past the caller check only to be refused by the request
// schema (400), so nothing runs.
import { describe, expect, test } from "vitest";
import { stack } from "../helpers/stack.ts";

const post = (name: string, headers: Record<string, string>, body: unknown = { runs: [] }) =>
  fetch(`${stack.url}/functions/v1/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe.each(["http", "ai-prompt", "notify", "watch"])("%s", (name) => {
  test("a secret key in apikey and the legacy service_role JWT reach the handler", async () => {
    for (const headers of [{ apikey: stack.secretKey }, { authorization: `Bearer ${stack.serviceRoleKey}` }]) {
      const res = await post(name, headers);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_request");
    }
  });

  test("the publishable key and the anon JWT are refused, with what is expected", async () => {
    for (const headers of [{ apikey: stack.publishableKey }, { authorization: `Bearer ${stack.anonKey}` }, { apikey: stack.anonKey }]) {
      const res = await post(name, headers);
      expect(res.status).toBe(401);
      const { error } = await res.json();
      expect(error.code).toBe("unauthorized");
      expect(error.message).toMatch(/(publishable key \(sb_publishable_…\)|anon key) is for clients and cannot call this function: expected one of the project's secret keys \(sb_secret_…\) in the apikey header/);
    }
  });
});

test("the dispatcher refuses the publishable key and the anon JWT too", async () => {
  for (const headers of [{ apikey: stack.publishableKey }, { authorization: `Bearer ${stack.anonKey}` }]) {
    const res = await post("dispatcher", headers, { reason: "keys test" });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/is for clients/);
  }
});
