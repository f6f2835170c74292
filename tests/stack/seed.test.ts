// supabase/seed.sql applies cleanly on the migrated schema and sets up the demo.
import fs from "node:fs";
import { afterAll, expect, test } from "vitest";
import { connect, rolledBack } from "../helpers/stack.ts";

const sql = connect();
afterAll(() => sql.end());

test("the demo seed applies and schedules its tasks", async () => {
  await rolledBack(sql, async (tx) => {
    await tx.unsafe(fs.readFileSync(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
    const tasks = await tx`select name, next_run_at is not null as scheduled from scheduler.tasks where 'demo' = any(tags) order by name`;
    expect(tasks).toEqual([
      { name: "Failure alert", scheduled: false },
      { name: "Flaky endpoint", scheduled: true },
      { name: "Ping the echo endpoint", scheduled: true },
      { name: "Say hello", scheduled: false },
    ]);
  });
});
