// An example of a function the edge-function action calls (and the target of
// its tests): it answers only the scheduler's signed calls, and says whom
// and which run each was for. A function of your own does its work where
// this one answers; keep data.idempotency_key to do it once per due time.
// verify_jwt is off: the signature is what authenticates the scheduler.
import type { Db, DbFactory } from "../_shared/db.ts";
import { errorResponse, HttpError, json, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";
import { verifySchedulerCall } from "../_shared/scheduler-call.ts";

export interface HelloDeps {
  db: DbFactory;
  now: () => Date;
  logger: Logger;
}

export function createHandler(deps: HelloDeps) {
  return async (req: Request): Promise<Response> => {
    let db: Db | undefined;
    try {
      requirePost(req);
      const raw = await req.text();
      db = deps.db();
      const conn = db;
      const check = await verifySchedulerCall(req.headers, raw, async (owner) =>
        (await conn.executeSql<{ secret: string | null }>("select scheduler.edge_function_secret($1::uuid) as secret", [owner]))[0]?.secret ?? null,
        Math.floor(deps.now().getTime() / 1000));
      if (!check.ok) throw new HttpError(401, "not_the_scheduler", `not a call of the scheduler: ${check.reason}`);
      const { call } = check;
      return json({ hello: call.owner_id, run_id: call.run_id, task: call.task_name, attempt: call.attempt, idempotency_key: call.idempotency_key, body: call.body, inputs: call.inputs });
    } catch (err) {
      return errorResponse(err, deps.logger);
    } finally {
      await db?.close().catch(() => {});
    }
  };
}
