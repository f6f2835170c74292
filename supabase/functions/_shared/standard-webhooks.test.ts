// The signature against the Standard Webhooks specification's own example,
// so a change of HMAC library cannot drift from what receivers verify.
import { expect, test } from "vitest";
import { signWebhook, webhookHeaders } from "./standard-webhooks.ts";

test("signs the specification's example exactly", () => {
  expect(signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'))
    .toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
});

test("a secret without the whsec_ prefix is the same key, and the headers carry id, timestamp and signature", () => {
  expect(webhookHeaders("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toEqual({
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  });
});

test("verifies the specification's example, and refuses another body, another secret and an old timestamp", async () => {
  const { verifyWebhook } = await import("./standard-webhooks.ts");
  const headers = (sig: string) => new Headers({ "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330", "webhook-signature": sig });
  const good = headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  expect(await verifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", good, '{"test": 2432232314}', 1614265330)).toBeNull();
  // one matching entry of several is enough (key rotation)
  expect(await verifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers("v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), '{"test": 2432232314}', 1614265330)).toBeNull();
  expect(await verifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", good, '{"test": 2432232315}', 1614265330)).toBe("bad signature");
  expect(await verifyWebhook("whsec_" + btoa("another secret of 24 bytes"), good, '{"test": 2432232314}', 1614265330)).toBe("bad signature");
  expect(await verifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", good, '{"test": 2432232314}', 1614265330 + 301)).toBe("timestamp out of tolerance");
  expect(await verifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", new Headers(), "", 1614265330)).toBe("missing headers");
});
