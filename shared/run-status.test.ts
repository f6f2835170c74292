// The frozen lists in shared/run-status.ts must equal what the live database
// accepts: enum types value for value and in order (the claim orders by
// priority), check constraints as sets, and the validation trigger's refusal
// message must name exactly the allowed action types.
import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import {
  ACTION_TYPES,
  FINISHED_RUN_STATUSES,
  MISFIRE_POLICIES,
  OPEN_RUN_STATUSES,
  OVERLAP_POLICIES,
  RUN_STATUSES,
  RunStatus,
  TASK_PRIORITIES,
  TASK_TYPES,
  isFinishedRunStatus,
} from "./run-status.ts";

const dbUrl = process.env.SUPABASE_DB_URL;
if (!dbUrl) throw new Error("SUPABASE_DB_URL is not set: run through `npm test`, or point it at a migrated database");
const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

describe("enum types", () => {
  const enums: [string, readonly string[]][] = [
    ["run_status", RUN_STATUSES],
    ["task_priority", TASK_PRIORITIES],
  ];
  for (const [type, list] of enums) {
    test(`public.${type} equals its frozen list, in order`, async () => {
      const [{ values }] = await sql.unsafe(`select enum_range(null::public.${type})::text[] as values`);
      expect(values).toEqual([...list]);
    });
  }

  test("priorities compare in the database as the list orders them", async () => {
    const [{ sorted }] = await sql`
      select array_agg(p::text order by p::public.task_priority desc) as sorted
      from unnest(${[...TASK_PRIORITIES]}::text[]) p`;
    expect(sorted).toEqual([...TASK_PRIORITIES].reverse());
  });
});

describe("check constraints on tasks", () => {
  const checks: [string, readonly string[]][] = [
    ["tasks_type_check", TASK_TYPES],
    ["tasks_action_type_check", ACTION_TYPES],
    ["tasks_overlap_policy_check", OVERLAP_POLICIES],
    ["tasks_misfire_policy_check", MISFIRE_POLICIES],
  ];
  for (const [constraint, list] of checks) {
    test(`${constraint} allows exactly its frozen list`, async () => {
      const rows = await sql`
        select pg_get_constraintdef(oid) as def from pg_constraint
        where conname = ${constraint} and conrelid = 'public.tasks'::regclass`;
      expect(rows, `constraint ${constraint} is missing`).toHaveLength(1);
      const allowed = [...rows[0].def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
      expect(allowed.sort()).toEqual([...list].sort());
    });
  }

  test("an unknown action_type is refused with a message naming exactly the allowed values", async () => {
    const err = await sql
      .begin(async (tx) => {
        await tx`insert into public.tasks (name, type, action_type) values ('zod mirror probe', 'manual', 'ftp')`;
      })
      .then(() => undefined, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe("22023");
    expect(err?.message).toBe(`unknown action_type "ftp": expected one of ${ACTION_TYPES.join(", ")}`);
  });
});

describe("the lists themselves", () => {
  test("are frozen", () => {
    for (const list of [RUN_STATUSES, TASK_TYPES, ACTION_TYPES, OVERLAP_POLICIES, MISFIRE_POLICIES, TASK_PRIORITIES]) {
      expect(Object.isFrozen(list)).toBe(true);
    }
  });

  test("every run status is either open or finished, never both", () => {
    expect([...OPEN_RUN_STATUSES, ...FINISHED_RUN_STATUSES].sort()).toEqual([...RUN_STATUSES].sort());
    expect(RUN_STATUSES.filter(isFinishedRunStatus)).toEqual([...FINISHED_RUN_STATUSES]);
  });

  test("the zod enum refuses what the database refuses", async () => {
    expect(RunStatus.safeParse("succeeded").success).toBe(false);
    const err = await sql`select 'succeeded'::public.run_status`.then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe("22P02");
  });
});
