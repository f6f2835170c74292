// The zod enums in shared/domain.ts must equal what the database accepts.
// The run states and task kinds (run-status.ts) are checked in run-status.test.ts.
import { afterAll, expect, test } from "vitest";
import { connect } from "../tests/helpers/stack.ts";
import * as domain from "./domain.ts";

const sql = connect();
afterAll(() => sql.end());

const enumTypes = {
  profile_role: domain.ProfileRole,
  profile_status: domain.ProfileStatus,
} as const;

for (const [type, zodEnum] of Object.entries(enumTypes)) {
  test(`public.${type} equals its zod enum, in order`, async () => {
    const [{ values }] = await sql.unsafe(`select enum_range(null::public.${type})::text[] as values`);
    expect(values).toEqual(zodEnum.options);
  });
}

// check constraints of the form `col in ('a', 'b')` / `col = any (array[...])`
const checks: [string, string, { options: readonly string[] }][] = [
  ["task_dependencies", "task_dependencies_dependency_type_check", domain.DependencyType],
  ["approvals", "approvals_status_check", domain.ApprovalStatus],
  ["notifications", "chk_notification_channel", domain.NotificationChannel],
  ["notifications", "chk_notification_type", domain.NotificationType],
  ["task_steps", "task_steps_status_check", domain.StepStatus],
];

for (const [table, constraint, zodEnum] of checks) {
  test(`${table}.${constraint} allows exactly the zod enum`, async () => {
    const [{ def }] = await sql`
      select pg_get_constraintdef(oid) as def from pg_constraint
      where conname = ${constraint} and conrelid = ${`public.${table}`}::regclass`;
    const allowed = [...def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
    expect(allowed.sort()).toEqual([...zodEnum.options].sort());
  });
}
