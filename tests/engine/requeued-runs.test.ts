// A run put back in the queue (given back after its worker died, or a retry)
// of a task due every few seconds, with the engine driven by an explicit
// clock as the dispatcher and the http action drive it: the task's later
// occurrences are claimed ahead (the lookahead) and run at their seconds.
//
// Found by the kill test (bench/lib/kill.mjs): claim_due_runs takes a queued
// run only when nothing of its task is claimed or running, so a task whose
// period is shorter than the lookahead plus its run time always has a later
// occurrence claimed, and its given-back runs and retries are never claimed
// again (a `*/2 * * * * *` task after a kill: 20 runs queued for over four
// minutes while its new occurrences ran). `test.fails` until the claim is
// fixed (the SQL change is described in bench/RESULTS.md, section 6); it then
// fails, and `.fails` comes off.
import { afterAll, expect, test } from "vitest";
import { connect, rolledBack } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 1);
afterAll(() => admin.end());

test.fails("a given-back run of a task due every 2 s is claimed again while the task's later occurrences run", async () => {
  await rolledBack(admin, async (tx) => {
    const [{ id: owner }] = await tx`insert into auth.users (id, email) values (gen_random_uuid(), ${`requeued-${crypto.randomUUID()}@test.local`}) returning id`;
    const [task] = await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload, schedule_cron, owner_id, created_by, timeout_seconds, priority)
      values ('requeued', 'scheduled', 'http', ${tx.json({ url: "http://127.0.0.1:9/x" })}, '*/2 * * * * *', ${owner}, ${owner}, 5, 'critical')
      returning id, next_run_at`;
    const t0 = new Date(task.next_run_at).getTime();
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const worker = (s: number) => `dispatcher:requeued:${s}`;
    const claim = async (s: number) => {
      // a dispatcher round claims until nothing more is in reach (one occurrence per task per call)
      const ids: string[] = [];
      for (;;) {
        const rows = await tx`select run_id, task_id from scheduler.claim_due_runs(500, ${at(s)}::timestamptz, interval '10 seconds', ${worker(s)}, null)`;
        const mine = rows.filter((r) => r.task_id === task.id).map((r) => String(r.run_id));
        if (mine.length === 0) return ids;
        ids.push(...mine);
      }
    };
    // the first round claims t0 … t0 + 10 s; the run due at t0 is then given back (its worker died before its second)
    const first = await claim(0);
    expect(first.length).toBeGreaterThan(1);
    const [givenBack] = await tx`select id from scheduler.task_runs where id = any(${first}::uuid[]) order by scheduled_time limit 1`;
    await tx`update scheduler.task_runs set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null where id = ${givenBack.id}`;

    // the next 30 s: every second the runs due are started at their second and recorded a second later, and a round claims
    let claimedAgain = false;
    for (let s = 1; s <= 30 && !claimedAgain; s++) {
      const due = await tx`
        select id, locked_by from scheduler.task_runs
        where task_id = ${task.id} and status = 'claimed' and scheduled_time <= ${at(s)}::timestamptz and id <> ${givenBack.id}`;
      for (const r of due) await tx`select * from scheduler.start_runs(${[r.id]}::uuid[], ${r.locked_by}, ${at(s)}::timestamptz)`;
      const running = await tx`
        select id, locked_by from scheduler.task_runs where task_id = ${task.id} and status = 'running' and start_time <= ${at(s - 1)}::timestamptz`;
      for (const r of running) {
        await tx`select * from scheduler.complete_runs(${JSON.stringify([{ run_id: r.id, status: "completed", retryable: false, started_at: at(s - 1), ended_at: at(s) }])}::text::jsonb, ${at(s)}::timestamptz, ${r.locked_by})`;
      }
      claimedAgain = (await claim(s)).includes(String(givenBack.id));
    }
    expect(claimedAgain).toBe(true);
  });
});
