// The running test stack, as scripts/commands/test.mjs describes it in the environment.
import postgres from "postgres";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\` (scripts/commands/test.mjs), which starts the test stack`);
  return value;
}

export const stack = {
  get url() { return required("SUPABASE_URL"); },
  get dbUrl() { return required("SUPABASE_DB_URL"); },
  get adminDbUrl() { return required("SUPABASE_ADMIN_DB_URL"); },
  get secretKey() { return required("SUPABASE_SECRET_KEY"); },
  get publishableKey() { return required("SUPABASE_PUBLISHABLE_KEY"); },
  get anonKey() { return required("SUPABASE_ANON_KEY"); },
  get serviceRoleKey() { return required("SUPABASE_SERVICE_ROLE_KEY"); },
  get jwtSecret() { return required("SUPABASE_JWT_SECRET"); },
  get dispatcherSecret() { return required("DISPATCHER_SECRET"); },
};

/** A small client for one test file; close it in afterAll. */
export function connect(url: string = stack.dbUrl, max = 4) {
  return postgres(url, { max, onnotice: () => {} });
}

const rollback = new Error("rollback");

/** Runs `work` in a transaction that is always rolled back, so a test leaves nothing behind; errors from `work` still fail the test. */
export async function rolledBack(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<void> {
  await sql.begin(async (tx) => {
    await work(tx);
    throw rollback;
  }).catch((err) => {
    if (err !== rollback) throw err;
  });
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after
 * `timeoutMs`; the failure quotes what `explain` says of the state then (a
 * flake on CI is diagnosed from its output alone).
 */
export async function waitFor<T>(
  what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100, explain?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const state = explain ? `; state then: ${JSON.stringify(await explain().catch((err) => `(explain failed: ${err})`))}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * After a test that ran the dispatcher on a pinned clock against the shared
 * stack: the plan row names no looker, and no plan or wake stays dated ahead
 * of the real clock, so the live stack's dispatcher neither defers to a
 * looker that is not there nor has its wakes judged against the test's year.
 */
export async function forgetPinnedDispatch(sql: postgres.Sql): Promise<void> {
  await sql`update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null,
    planned_at = case when planned_at > now() then null else planned_at end`;
  await sql`update scheduler_internal.dispatcher_wakes set last_wake_at = null where last_wake_at > now()`;
}
