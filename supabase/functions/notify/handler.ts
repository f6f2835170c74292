// The notify action: `web` writes a notifications row (Realtime pushes it),
// `email` goes through an HTTP email API (Resend's wire format: Supabase Edge
// Functions cannot open SMTP ports 25 and 587), and `webhook` posts a Slack-,
// Discord- or plain-JSON message through the same SSRF guard as http. Email
// carries the run's idempotency key, the same for every attempt. Waiting, the
// start gate and recording are the shared runner's.
import type { ActionResult, NotifyPayload } from "../../../shared/contract.ts";
import { renderTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult, RunFailure } from "../_shared/action-result.ts";
import { createActionHandler, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import type { Db } from "../_shared/db.ts";
import { readLimited } from "../_shared/read-limited.ts";
import type { Connect } from "../_shared/pinned-http.ts";
import { BlockedTargetError, guardedFetch, type Resolve } from "../_shared/ssrf.ts";

export interface EmailConfig {
  apiUrl: string;
  apiKey?: string;
  from?: string;
}

export interface NotifyDeps extends RunnerDeps {
  resolve: Resolve;
  /** Connections to the addresses the SSRF guard checked (deno-connect.ts on the Edge Runtime). */
  connect: Connect;
  allowHosts: Set<string>;
  email: EmailConfig;
  concurrency?: number;
}

/** What executing a run needs (the database is the request's, from the runner). */
export type NotifyIo = Pick<NotifyDeps, "fetch" | "now" | "resolve" | "connect" | "allowHosts" | "email">;
export type NotifyRun = ValidRun<"notify">;

async function deliver(run: NotifyRun, payload: NotifyPayload, db: Db, deps: NotifyIo): Promise<Record<string, unknown>> {
  const ctx = templateContext(run);
  switch (payload.channel) {
    case "web": {
      // a task may notify its owner and the people it is shared with, nobody else
      const [row] = await db.executeSql<{ id: string }>(
        `insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
         select $1, $2, $3, $4, $5, 'web', $6, $7, $8::text::jsonb
         where exists (select 1 from scheduler.tasks t where t.id = $6 and t.owner_id = $1)
            or exists (select 1 from scheduler.task_permissions p where p.task_id = $6 and p.user_id = $1 and p.can_view)
         returning id`,
        [payload.user_id ?? run.task.owner_id, renderTemplate(payload.title, ctx), renderTemplate(payload.message, ctx),
          payload.type, payload.priority, run.task_id, run.run_id, JSON.stringify({ triggered_by: run.triggered_by })],
      );
      if (!row) throw new RunFailure(`user_id ${payload.user_id} is neither the task's owner nor someone it is shared with`, false);
      return { channel: "web", notification_id: row.id };
    }
    case "email": {
      if (!deps.email.apiKey || !deps.email.from) {
        throw new RunFailure("the email channel needs the secrets EMAIL_API_KEY and EMAIL_FROM", false);
      }
      const res = await deps.fetch(`${deps.email.apiUrl.replace(/\/$/, "")}/emails`, {
        method: "POST",
        headers: { authorization: `Bearer ${deps.email.apiKey}`, "content-type": "application/json", "idempotency-key": run.idempotency_key || run.run_id },
        body: JSON.stringify({
          from: deps.email.from, to: payload.to,
          subject: renderTemplate(payload.subject, ctx), text: renderTemplate(payload.message, ctx),
        }),
      });
      const body = await res.text();
      if (!res.ok) throw new RunFailure(`the email API answered ${res.status}: ${body.slice(0, 300)}`, res.status === 429 || res.status >= 500);
      return { channel: "email", status: res.status, response: body.slice(0, 2000) };
    }
    case "webhook": {
      const title = payload.title ? renderTemplate(payload.title, ctx) : undefined;
      const message = renderTemplate(payload.message, ctx);
      // Slack's mrkdwn bolds with one asterisk, Discord's markdown with two
      const body = payload.format === "slack" ? { text: title ? `*${title}*\n${message}` : message }
        : payload.format === "discord" ? { content: (title ? `**${title}**\n${message}` : message).slice(0, 2000) }
        : { title, message, task: ctx.task, run: ctx.run };
      const { response } = await guardedFetch(payload.url, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(run.timeout_seconds * 1000),
      }, { maxRedirects: 2, allow: deps.allowHosts, resolve: deps.resolve, connect: deps.connect });
      const { text: answer } = await readLimited(response, 2000);
      if (!response.ok) {
        throw new RunFailure(`the webhook answered ${response.status}: ${answer.slice(0, 300)}`, response.status === 429 || response.status >= 500);
      }
      return { channel: "webhook", status: response.status, response: answer };
    }
  }
}

export async function executeNotifyRun(run: NotifyRun, db: Db, deps: NotifyIo): Promise<ActionResult> {
  const startedAt = deps.now();
  try {
    const output = await deliver(run, run.payload, db, deps);
    return completedResult(run, { startedAt, endedAt: deps.now(), output });
  } catch (err) {
    const endedAt = deps.now();
    if (err instanceof TemplateError || err instanceof BlockedTargetError) return failedResult(run, err.message, { retryable: false, startedAt, endedAt });
    if (err instanceof RunFailure) return failedResult(run, err.message, { retryable: err.retryable, startedAt, endedAt });
    return failedResult(run, `delivery failed: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, startedAt, endedAt });
  }
}

export function createHandler(deps: NotifyDeps) {
  return createActionHandler({ action: "notify", concurrency: deps.concurrency ?? 32, executeRun: (run, { db }) => executeNotifyRun(run, db, deps) }, deps);
}
