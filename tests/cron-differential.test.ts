// scheduler.next_cron_time agrees with croner (5-or-6-part mode, OR rule for
// day-of-month / day-of-week, Vixie DST rules) on random expressions,
// timezones and instants, evaluated by the live database. The PRNG is seeded:
// a failure prints its seed and the first disagreements, so it reproduces.
import { Cron } from "croner";
import { afterAll, describe, expect, test } from "vitest";
import { connect } from "./helpers/stack.ts";

const sql = connect();
afterAll(() => sql.end());

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zones = [
  "UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu",
  "America/Sao_Paulo", "Pacific/Chatham", "America/Los_Angeles", "Asia/Tokyo", "Africa/Casablanca", "Pacific/Apia",
];
// instants close to DST changes are where implementations disagree, so many cases start near one
const transitions = [
  "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
  "2026-04-05T15:00:00Z", "2026-10-03T15:30:00Z", "2025-11-02T06:00:00Z", "2027-03-14T07:00:00Z",
  "2026-09-27T14:00:00Z", "2026-04-05T14:45:00Z",
].map((s) => Date.parse(s));
const months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function field(rand: () => number, min: number, max: number, names?: string[]): string {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const value = () => {
    const v = int(min, max);
    return names && rand() < 0.3 ? names[v - min] : String(v);
  };
  const r = rand();
  if (r < 0.3) return "*";
  if (r < 0.5) return value();
  if (r < 0.6) {
    const a = int(min, max);
    return `${a}-${int(a, max)}`;
  }
  if (r < 0.75) return `*/${int(1, Math.max(1, Math.floor((max - min + 1) / 2)))}`;
  if (r < 0.85) {
    const a = int(min, max);
    return `${a}-${int(a, max)}/${int(1, 5)}`;
  }
  return Array.from({ length: int(2, 3) }, value).join(",");
}

function expression(rand: () => number): string {
  if (rand() < 0.04) return ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"][Math.floor(rand() * 7)];
  const parts = [
    field(rand, 0, 59),
    field(rand, 0, 23),
    rand() < 0.1 ? "?" : field(rand, 1, 31),
    field(rand, 1, 12, months),
    rand() < 0.1 ? "?" : field(rand, 0, 6, days),
  ];
  // fixed-time jobs exercise the other DST rule, so make them common
  if (rand() < 0.3) {
    parts[0] = String(Math.floor(rand() * 60));
    parts[1] = String(Math.floor(rand() * 24));
  }
  if (rand() < 0.3) parts.unshift(rand() < 0.5 ? "0" : field(rand, 0, 59));
  return parts.join(" ");
}

type Case = { expr: string; tz: string; after: Date; expected: string | null };

function cases(seed: number, n: number): Case[] {
  const rand = prng(seed);
  const out: Case[] = [];
  while (out.length < n) {
    const expr = expression(rand);
    const tz = zones[Math.floor(rand() * zones.length)];
    const base = rand() < 0.6
      ? transitions[Math.floor(rand() * transitions.length)] + Math.floor((rand() - 0.5) * 4 * 3600) * 1000
      : Date.parse("2025-01-01T00:00:00Z") + Math.floor(rand() * 3 * 365 * 86400) * 1000;
    const after = new Date(base + (rand() < 0.2 ? Math.floor(rand() * 1000) : 0));
    let expected: Date | null;
    try {
      expected = new Cron(expr, { timezone: tz, mode: "5-or-6-parts" }).nextRun(after);
    } catch {
      continue; // not in the shared dialect (e.g. a range croner also refuses)
    }
    out.push({ expr, tz, after, expected: expected ? expected.toISOString() : null });
  }
  return out;
}

async function evaluate(batch: Case[]): Promise<(string | null)[]> {
  const rows = await sql`
    select scheduler.next_cron_time(e, z, a) as next
    from unnest(${batch.map((c) => c.expr)}::text[], ${batch.map((c) => c.tz)}::text[], ${batch.map((c) => c.after.toISOString())}::timestamptz[])
      with ordinality as t(e, z, a, n)
    order by n`;
  return rows.map((r) => (r.next ? new Date(r.next).toISOString() : null));
}

describe("next_cron_time agrees with croner", () => {
  const seed = Number(process.env.CRON_DIFF_SEED ?? 20261124);
  const total = Number(process.env.CRON_DIFF_CASES ?? 10_000);

  test(`${total} random expression × timezone × instant cases (seed ${seed})`, async () => {
    const all = cases(seed, total);
    const disagreements: string[] = [];
    for (let i = 0; i < all.length; i += 1000) {
      const batch = all.slice(i, i + 1000);
      const got = await evaluate(batch);
      batch.forEach((c, j) => {
        if (got[j] !== c.expected) {
          disagreements.push(`${JSON.stringify(c.expr)} tz=${c.tz} after=${c.after.toISOString()}: croner ${c.expected}, sql ${got[j]}`);
        }
      });
    }
    expect(disagreements.slice(0, 15), `seed ${seed}: ${disagreements.length} of ${all.length} disagree`).toEqual([]);
  }, 240_000);

  test("both refuse what is not cron", async () => {
    const bad = ["61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
      "* * * *", "1 2 3 4 5 6 7", "@fortnightly", "", "a * * * *", "5/10 * * * *", "1,,2 * * * *"];
    for (const expr of bad) {
      expect(() => new Cron(expr, { mode: "5-or-6-parts" }), `croner accepts ${expr}`).toThrow();
      await expect(sql`select scheduler.validate_cron_expression(${expr})`, `sql accepts ${expr}`).rejects.toMatchObject({ code: "22023" });
    }
  });

  test("deliberate differences: croner's L, W, # and year field are refused in SQL", async () => {
    for (const expr of ["0 0 L * *", "0 0 15W * *", "0 0 * * 5#2", "0 0 * * FRI#L", "0 0 0 1 1 * 2030"]) {
      expect(() => new Cron(expr)).not.toThrow();
      await expect(sql`select scheduler.validate_cron_expression(${expr})`).rejects.toMatchObject({ code: "22023" });
    }
  });
});
