// Every frozen list in shared/enums.ts must equal what the live database
// accepts: enum types value for value and in order (the claim orders by
// priority), check constraints as sets, and the validation trigger's refusal
// message must name exactly the allowed action types. Each zod enum is built
// from its list, and is checked to be that list.
import { afterAll, describe, expect, test } from "vitest";
import { connect } from "../tests/helpers/stack.ts";
import * as enums from "./enums.ts";
import {
  ACTION_TYPES,
  APPROVAL_STATUSES,
  DEBOUNCE_INPUTS,
  DEPENDENCY_TYPES,
  FINISHED_RUN_STATUSES,
  isFinishedRunStatus,
  MISFIRE_POLICIES,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_PRIORITIES,
  NOTIFICATION_TYPES,
  OPEN_RUN_STATUSES,
  OVERLAP_POLICIES,
  PROFILE_ROLES,
  PROFILE_STATUSES,
  RUN_STATUSES,
  RunStatus,
  STEP_STATUSES,
  TASK_PRIORITIES,
  TASK_TYPES,
} from "./enums.ts";

const sql = connect();
afterAll(() => sql.end());

describe("enum types", () => {
  const enumTypes: [string, readonly string[]][] = [
    ["run_status", RUN_STATUSES],
    ["task_priority", TASK_PRIORITIES],
    ["profile_role", PROFILE_ROLES],
    ["profile_status", PROFILE_STATUSES],
  ];
  for (const [type, list] of enumTypes) {
    test(`scheduler.${type} equals its frozen list, in order`, async () => {
      const [{ values }] = await sql.unsafe(`select enum_range(null::scheduler.${type})::text[] as values`);
      expect(values).toEqual([...list]);
    });
  }

  test("priorities compare in the database as the list orders them", async () => {
    const [{ sorted }] = await sql`
      select array_agg(p::text order by p::scheduler.task_priority desc) as sorted
      from unnest(${[...TASK_PRIORITIES]}::text[]) p`;
    expect(sorted).toEqual([...TASK_PRIORITIES].reverse());
  });
});

// check constraints of the form `col in ('a', 'b')` / `col = any (array[...])`
describe("check constraints", () => {
  const checks: [string, string, readonly string[]][] = [
    ["tasks", "tasks_type_check", TASK_TYPES],
    ["tasks", "tasks_action_type_check", ACTION_TYPES],
    ["tasks", "tasks_overlap_policy_check", OVERLAP_POLICIES],
    ["tasks", "tasks_misfire_policy_check", MISFIRE_POLICIES],
    ["tasks", "tasks_debounce_inputs_check", DEBOUNCE_INPUTS],
    ["task_dependencies", "task_dependencies_dependency_type_check", DEPENDENCY_TYPES],
    ["approvals", "approvals_status_check", APPROVAL_STATUSES],
    ["notifications", "chk_notification_channel", NOTIFICATION_CHANNELS],
    ["notifications", "chk_notification_type", NOTIFICATION_TYPES],
    ["notifications", "chk_notification_priority", NOTIFICATION_PRIORITIES],
    ["task_steps", "task_steps_status_check", STEP_STATUSES],
  ];
  for (const [table, constraint, list] of checks) {
    test(`${table}.${constraint} allows exactly its frozen list`, async () => {
      const rows = await sql`
        select pg_get_constraintdef(oid) as def from pg_constraint
        where conname = ${constraint} and conrelid = ${`scheduler.${table}`}::regclass`;
      expect(rows, `constraint ${constraint} is missing`).toHaveLength(1);
      const allowed = [...rows[0].def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
      expect(allowed.sort()).toEqual([...list].sort());
    });
  }

  test("an unknown action_type is refused with a message naming exactly the allowed values", async () => {
    const err = await sql
      .begin(async (tx) => {
        await tx`insert into scheduler.tasks (name, type, action_type) values ('zod mirror probe', 'manual', 'ftp')`;
      })
      .then(() => undefined, (e: { code?: string; message: string }) => e);
    expect(err?.code).toBe("22023");
    expect(err?.message).toBe(`unknown action_type "ftp": expected one of ${ACTION_TYPES.join(", ")}`);
  });
});

describe("the lists themselves", () => {
  // each list with the zod enum built from it
  const pairs: [string, readonly string[], { options: readonly string[] }][] = [
    ["RUN_STATUSES", RUN_STATUSES, enums.RunStatus],
    ["STEP_STATUSES", STEP_STATUSES, enums.StepStatus],
    ["TASK_TYPES", TASK_TYPES, enums.TaskType],
    ["ACTION_TYPES", ACTION_TYPES, enums.ActionType],
    ["OVERLAP_POLICIES", OVERLAP_POLICIES, enums.OverlapPolicy],
    ["MISFIRE_POLICIES", MISFIRE_POLICIES, enums.MisfirePolicy],
    ["DEBOUNCE_INPUTS", DEBOUNCE_INPUTS, enums.DebounceInputs],
    ["TASK_PRIORITIES", TASK_PRIORITIES, enums.TaskPriority],
    ["DEPENDENCY_TYPES", DEPENDENCY_TYPES, enums.DependencyType],
    ["APPROVAL_STATUSES", APPROVAL_STATUSES, enums.ApprovalStatus],
    ["PROFILE_ROLES", PROFILE_ROLES, enums.ProfileRole],
    ["PROFILE_STATUSES", PROFILE_STATUSES, enums.ProfileStatus],
    ["NOTIFICATION_CHANNELS", NOTIFICATION_CHANNELS, enums.NotificationChannel],
    ["NOTIFICATION_TYPES", NOTIFICATION_TYPES, enums.NotificationType],
    ["NOTIFICATION_PRIORITIES", NOTIFICATION_PRIORITIES, enums.NotificationPriority],
  ];

  test("are frozen", () => {
    for (const list of [RUN_STATUSES, TASK_TYPES, ACTION_TYPES, OVERLAP_POLICIES, MISFIRE_POLICIES, TASK_PRIORITIES]) {
      expect(Object.isFrozen(list)).toBe(true);
    }
    for (const list of [FINISHED_RUN_STATUSES, OPEN_RUN_STATUSES, ...pairs.map(([, l]) => l)]) expect(Object.isFrozen(list)).toBe(true);
  });

  test("each zod enum is its list, and every list of the module is checked here", () => {
    for (const [name, list, zodEnum] of pairs) expect(zodEnum.options, name).toEqual([...list]);
    const exported = Object.keys(enums).filter((name) => /^[A-Z_]+$/.test(name)).sort();
    expect(exported).toEqual([...pairs.map(([name]) => name), "FINISHED_RUN_STATUSES", "OPEN_RUN_STATUSES"].sort());
  });

  test("every run status is either open or finished, never both", () => {
    expect([...OPEN_RUN_STATUSES, ...FINISHED_RUN_STATUSES].sort()).toEqual([...RUN_STATUSES].sort());
    expect(RUN_STATUSES.filter(isFinishedRunStatus)).toEqual([...FINISHED_RUN_STATUSES]);
  });

  test("the zod enum refuses what the database refuses", async () => {
    expect(RunStatus.safeParse("succeeded").success).toBe(false);
    const err = await sql`select 'succeeded'::scheduler.run_status`.then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe("22P02");
  });
});
