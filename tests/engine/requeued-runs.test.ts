// A run put back in the queue (given back after its worker died, or a retry)
// of a task due every few seconds, with the engine driven by an explicit
// clock as the dispatcher and the http action drive it: the task's later
// occurrences are claimed ahead (the lookahead) and run at their seconds.
//
// Two defects the kill test (bench/lib/kill.mjs) found, each reproduced here
// with an explicit clock, and fixed in claim_due_runs and start_runs (bench/
// RESULTS.md, section 6, measures the kill test with the fix):
//  - claim_due_runs takes a queued run only when nothing of its task is
//    claimed or running, so a task whose period is shorter than the lookahead
//    plus its run time always has a later occurrence claimed, and its
//    given-back runs and retries are never claimed again (a `*/2 * * * * *`
//    task after a kill: 20 runs queued for over four minutes while its new
//    occurrences ran);
//  - the start gate judges a retry's overlap like a new occurrence's: a retry
//    that finds an older run of its task running is skipped, and when the
//    task's latest run is a skip for the same reason, the retry's row is folded
//    into it and deleted, so an occurrence whose first attempt was delivered
//    and failed as "outcome unknown" ends with no retry left (the kill test
//    counted 4 delivered occurrences recorded as failed that way).
import { afterAll, expect, test } from "vitest";
import { connect, rolledBack } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 1);
afterAll(() => admin.end());

test("a given-back run of a task due every 2 s is claimed again while the task's later occurrences run", async () => {
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

test("a retry that finds an older run of its task running at its gate keeps its record (it is not folded into a skip and deleted)", async () => {
  await rolledBack(admin, async (tx) => {
    const [{ id: owner }] = await tx`insert into auth.users (id, email) values (gen_random_uuid(), ${`folded-${crypto.randomUUID()}@test.local`}) returning id`;
    const [task] = await tx`
      insert into scheduler.tasks (name, type, action_type, action_payload, schedule_cron, owner_id, created_by, timeout_seconds, max_attempts, priority)
      values ('folded retry', 'scheduled', 'http', ${tx.json({ url: "http://127.0.0.1:9/x" })}, '*/15 * * * * *', ${owner}, ${owner}, 5, 3, 'critical')
      returning id, next_run_at`;
    const t0 = new Date(task.next_run_at).getTime();
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const skipMessage = "skipped: the previous run was still going (overlap_policy skip)";
    // the state a services kill left (kill test, kill 2): the first attempt
    // delivered and failed as outcome unknown, an older occurrence given back
    // and now running late, the occurrence after it skipped behind the dead run,
    // and the retry claimed for its second
    const [first] = await tx`
      insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, start_time, end_time, error_message)
      values (${task.id}, ${at(0)}, 'failed', 1, 'schedule', ${at(0)}, ${at(45)}, 'outcome unknown: the run started at … reported nothing before its lease expired')
      returning id`;
    await tx`
      insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, start_time, locked_at, locked_by, lease_expires_at)
      values (${task.id}, ${at(-15)}, 'running', 1, 'schedule', ${at(45.5)}, ${at(45)}, 'worker-late', ${at(200)})`;
    await tx`
      insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, start_time, end_time, error_message, log_summary)
      values (${task.id}, ${at(30)}, 'skipped', 1, 'schedule', ${at(30)}, ${at(30)}, ${skipMessage}, ${tx.json({ skipped_occurrences: 1 })})`;
    const [retry] = await tx`
      insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, idempotency_key, locked_at, locked_by, lease_expires_at)
      values (${task.id}, ${at(46)}, 'claimed', 2, 'retry', ${String(first.id)}, ${at(45)}, 'worker-retry', ${at(76)})
      returning id`;

    const [gate] = await tx`select outcome, message from scheduler.start_runs(${[retry.id]}::uuid[], 'worker-retry', ${at(46)}::timestamptz)`;
    const [{ n }] = await tx`select count(*)::int as n from scheduler.task_runs where id = ${retry.id}`;
    expect({ outcome: gate.outcome, retryRowKept: n === 1 }).toEqual({ outcome: expect.any(String), retryRowKept: true });
  });
});
