// The kill test (bench/lib/kill.mjs) in small: the dispatcher, the services
// process and PostgreSQL of the test stack killed once each, mid-tick, with
// runs in flight. Each recovers within a minute, the receiver sees one
// idempotency key per occurrence, and no delivered occurrence is recorded as
// failed or notified as one. `npm run bench -- kill` runs the 20 kills.
import { expect, test } from "vitest";
import { killRecovery } from "../../bench/lib/kill.mjs";
import { getProfile } from "../../scripts/lib/profile.mjs";

const profile = getProfile("test");
// it kills and restarts the stack it runs on: only the test stack's own
const onTestStack = process.env.SUPABASE_URL === profile.apiUrl;

test.runIf(onTestStack)("three kills mid-tick: dispatcher, services, PostgreSQL", async () => {
  const r = await killRecovery({
    profile, kills: 3, tasks: 4, cron: "*/15 * * * * *", holdMs: 1000, timeoutSeconds: 5, log: (m: string) => console.log(m),
    // a started run whose worker died is failed as outcome unknown after timeout_seconds + lease_margin
    leaseMargin: "5 seconds", recoveryCapMs: 150_000,
  });
  const summary = JSON.stringify({ perKill: r.perKill, occurrences: r.occurrences }, null, 1);
  for (const k of r.perKill) expect(k.recoveryS, summary).not.toBeNull();
  for (const k of r.perKill) expect(k.recoveryS, summary).toBeLessThan(60);
  expect(r.occurrences.delivered, summary).toBeGreaterThan(0);
  expect(r.occurrences.maxKeysPerOccurrence, summary).toBe(1);
  expect(r.occurrences.deliveredRecordedFailed, summary).toBe(0);
  expect(r.occurrences.falseNotifications, summary).toBe(0);
}, 600_000);
