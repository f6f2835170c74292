// The kill test (bench/lib/kill.mjs) in small: the dispatcher, the services
// process and PostgreSQL of the test stack killed once each, mid-tick, with
// runs in flight. Each recovers, the receiver sees one idempotency key per
// occurrence, and no delivered occurrence is notified as a failure.
// `npm run bench -- kill` runs the 20 kills and measures them against the
// targets (bench/RESULTS.md, section 6). Recovery < 60 s is a timing target
// and belongs to the bench; asserted here is a bound that holds on a loaded
// test machine, 90 s. What bounds it: a dead dispatcher is replaced by the
// watchdog (pg_cron job scheduler-watchdog, within about 10 s; on the local
// stack's pg_cron 1.4 at the next of its checks at :10 … :50 or the tick),
// and a started run whose worker died is failed as outcome unknown once its
// lease ends, heartbeat_lease (15 s) after the worker's last heartbeat, or
// timeout_seconds + lease_margin if that is sooner (here 5 s + 5 s).
import { expect, test } from "vitest";
import { killRecovery } from "../../bench/lib/kill.mjs";
import { getProfile } from "../../scripts/lib/profile.mjs";

const profile = getProfile("test");
// it kills and restarts the stack it runs on: only the test stack's own
const onTestStack = process.env.SUPABASE_URL === profile.apiUrl;

test.runIf(onTestStack)("three kills mid-tick: dispatcher, services, PostgreSQL", async () => {
  const r = await killRecovery({
    profile, kills: 3, tasks: 4, cron: "*/15 * * * * *", holdMs: 1000, timeoutSeconds: 5, log: (m: string) => console.log(m),
    // a started run whose worker died is failed as outcome unknown when its lease ends:
    // heartbeat_lease after its last heartbeat, or timeout_seconds + lease_margin if sooner
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
