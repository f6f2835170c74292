// The kill test (bench/lib/kill.mjs) in small: the dispatcher, the services
// process and PostgreSQL of the test stack killed once each, mid-tick, with
// runs in flight. Each recovers, the receiver sees one idempotency key per
// occurrence, and no delivered occurrence is notified as a failure.
// `npm run bench -- kill` runs the 20 kills and measures them against the
// targets. Two targets are not asserted here because today's engine misses
// them by construction (bench/RESULTS.md, section 6):
//  - recovery < 60 s: a dead dispatcher is replaced only by the next minute's
//    pg_cron tick, so a kill just after a tick takes up to a minute plus the
//    claim; asserted here is the bound that holds, 90 s;
//  - 0 delivered occurrences recorded as failed: a retry that meets an older
//    run of its task running at its gate is skipped and folded away
//    (fixed; tests/engine/requeued-runs.test.ts reproduces it).
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
  for (const k of r.perKill) expect(k.recoveryS, summary).toBeLessThan(90);
  expect(r.occurrences.delivered, summary).toBeGreaterThan(0);
  expect(r.occurrences.maxKeysPerOccurrence, summary).toBe(1);
  expect(r.occurrences.falseNotifications, summary).toBe(0);
  expect(r.occurrences.unknownKeys, summary).toBe(0);
}, 600_000);
