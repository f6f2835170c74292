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

test("the demo posts to the stack it was seeded on, not always to the dev stack", async () => {
  const urlsWith = async (apiUrl?: string) => {
    let urls: string[] = [];
    await rolledBack(sql, async (tx) => {
      // a seeded stack has the demo already; the seed would keep it
      await tx`delete from scheduler.tasks where 'demo' = any(tags)`;
      if (apiUrl) await tx`select set_config('scheduler.demo_api_url', ${apiUrl}, true)`;
      await tx.unsafe(fs.readFileSync(new URL("../../supabase/seed.sql", import.meta.url), "utf8"));
      urls = (await tx`select action_payload ->> 'url' as url from scheduler.tasks where action_type = 'http' and 'demo' = any(tags) order by name`).map((r) => r.url);
    });
    return urls;
  };
  expect(await urlsWith("http://127.0.0.1:54331")).toEqual(["http://127.0.0.1:54331/_local/echo?status=500", "http://127.0.0.1:54331/_local/echo"]);
  // supabase db reset runs the seed as it is: the dev stack's (and the CLI's) port
  expect(await urlsWith()).toEqual(["http://127.0.0.1:54321/_local/echo?status=500", "http://127.0.0.1:54321/_local/echo"]);
});
