// LOCAL STAND-IN for pg_net's background worker (the C extension sends queued
// requests with libcurl; it cannot be installed here). It keeps the worker's
// observable behaviour: requests leave only after the queuing transaction
// commits, run concurrently, honour timeout_milliseconds, and land in
// net._http_response under the request's id with status_code, content_type,
// headers, content, timed_out and error_msg. Responses expire after a TTL
// (pg_net.ttl, 6 hours by default).
import postgres from "postgres";

const BATCH = 200;
const POLL_MS = 250;
const TTL = "6 hours";

function describeFetchError(err) {
  const cause = err?.cause;
  const code = cause?.code ?? err?.code;
  if (code === "ECONNREFUSED") return `Couldn't connect to server: ${cause?.message ?? err.message}`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `Couldn't resolve host name: ${cause?.message ?? err.message}`;
  return `${err?.message ?? String(err)}${cause?.message ? `: ${cause.message}` : ""}`;
}

/** Sends one queued request and returns the row for net._http_response. */
export async function perform(request, fetchImpl = fetch) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeout_milliseconds);
  try {
    const res = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers ?? {},
      body: request.body ?? undefined,
      signal: controller.signal,
    });
    const content = await res.text();
    return {
      id: request.id,
      status_code: res.status,
      content_type: res.headers.get("content-type"),
      headers: Object.fromEntries(res.headers.entries()),
      content,
      timed_out: false,
      error_msg: null,
    };
  } catch (err) {
    const timedOut = controller.signal.aborted;
    return {
      id: request.id,
      status_code: null,
      content_type: null,
      headers: null,
      content: null,
      timed_out: timedOut,
      error_msg: timedOut ? `Timeout of ${request.timeout_milliseconds} ms reached` : describeFetchError(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the worker against a database that has the pg_net stand-in.
 * `dbUrl` must be a role that may read and delete the queue (supabase_admin locally).
 */
export async function startPgNetWorker({ dbUrl, logger = console, fetchImpl = fetch }) {
  const sql = postgres(dbUrl, { max: 3, onnotice: () => {} });
  let draining = null;
  let again = false;
  let stopped = false;
  const inFlight = new Set();

  async function drainOnce() {
    for (;;) {
      // taking the rows out of the queue is the claim: no other worker sees them
      const batch = await sql`
        delete from net.http_request_queue
        where id in (select id from net.http_request_queue order by id limit ${BATCH} for update skip locked)
        returning id, method::text as method, url, headers, body, timeout_milliseconds`;
      for (const request of batch) {
        const task = perform({ ...request, body: request.body ? Buffer.from(request.body) : null }, fetchImpl)
          .then(async (row) => {
            await sql`insert into net._http_response ${sql(row, "id", "status_code", "content_type", "headers", "content", "timed_out", "error_msg")}`;
            logger.info("request done", { id: row.id, url: request.url, status: row.status_code, error: row.error_msg });
          })
          .catch((err) => logger.error("could not record a response", { id: request.id, error: String(err) }))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (batch.length < BATCH) return;
    }
  }

  function kick() {
    if (stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drainOnce()
      .catch((err) => logger.error("queue drain failed", { error: String(err) }))
      .finally(() => {
        draining = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  await sql.listen("pg_net_queue", kick);
  const poll = setInterval(kick, POLL_MS);
  const sweep = setInterval(() => {
    sql`delete from net._http_response where created < now() - ${TTL}::interval`
      .catch((err) => logger.error("response ttl sweep failed", { error: String(err) }));
  }, 60_000);
  kick();
  logger.info("pg_net worker started");

  return {
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(sweep);
      await draining;
      await Promise.allSettled([...inFlight]);
      await sql.end({ timeout: 5 });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--db-url");
  const dbUrl = i > 0 ? process.argv[i + 1] : process.env.SUPABASE_ADMIN_DB_URL;
  if (!dbUrl) {
    console.error("usage: node scripts/pg-net/worker.mjs --db-url <superuser database url>");
    process.exit(2);
  }
  const log = (level) => (msg, fields = {}) => console.log(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }));
  const worker = await startPgNetWorker({ dbUrl, logger: { info: log("info"), error: log("error") } });
  process.on("SIGTERM", () => worker.stop().then(() => process.exit(0)));
  process.on("SIGINT", () => worker.stop().then(() => process.exit(0)));
}
