// One corpus of payloads through the zod schemas and through the SQL check
// on tasks (scheduler_internal.action_payload_error): both must give the same verdict.
import { afterAll, expect, test } from "vitest";
import { connect } from "../tests/helpers/stack.ts";
import { payloadError } from "./contract.ts";
import type { ActionType } from "./enums.ts";

const sql = connect();
afterAll(() => sql.end());

const corpus: [ActionType, unknown][] = [
  ["http", { url: "https://example.com/hook" }],
  ["http", { url: "http://127.0.0.1:54321/_local/echo", method: "POST", headers: { "X-Token": "a" }, body: { a: "{{run.id}}" } }],
  ["http", { url: "https://example.com", method: "GET", max_redirects: 0, max_response_bytes: 1048576 }],
  ["http", { url: "https://example.com", body: "plain {{task.name}}" }],
  ["http", { url: "https://example.com", body: [1, 2] }],
  ["http", { url: "https://user@example.com:8443/a?b=c#d" }],
  ["http", { url: "https://[::1]:8080/x" }],
  ["http", {}],
  ["http", { url: "ftp://example.com" }],
  ["http", { url: "example.com/hook" }],
  ["http", { url: "https://" }],
  ["http", { url: 42 }],
  ["http", { url: "https://example.com", method: "FETCH" }],
  ["http", { url: "https://example.com", headers: { "bad header": "x" } }],
  ["http", { url: "https://example.com", headers: { ok: 1 } }],
  ["http", { url: "https://example.com", headers: [] }],
  ["http", { url: "https://example.com", body: 12 }],
  ["http", { url: "https://example.com", max_redirects: 11 }],
  ["http", { url: "https://example.com", max_redirects: 1.5 }],
  ["http", { url: "https://example.com", max_response_bytes: -1 }],
  ["http", { url: "https://example.com", extra: true }],
  ["http", []],
  ["http", "https://example.com"],
  ["ai-prompt", {}],
  ["ai-prompt", { prompt: "Summarise {{inputs.text}}", system: "", model: "llama3", temperature: 0.2, max_tokens: 256, step_max_retries: 2 }],
  ["ai-prompt", { prompt: "" }],
  ["ai-prompt", { prompt: 7 }],
  ["ai-prompt", { prompt: "x", temperature: 2.5 }],
  ["ai-prompt", { prompt: "x", temperature: "hot" }],
  ["ai-prompt", { prompt: "x", max_tokens: 0 }],
  ["ai-prompt", { prompt: "x", step_max_retries: 6 }],
  ["ai-prompt", { prompt: "x", model: "" }],
  ["ai-prompt", { prompt: "x", temprature: 1 }],
  ["notify", { channel: "web", title: "Done", message: "ok" }],
  ["notify", { channel: "web", title: "Done" }],
  ["notify", { channel: "web", title: "Done", user_id: "8a4c6b0e-3f1d-4a6e-9b7c-2d5e8f1a0b3c", priority: "urgent", type: "alert" }],
  ["notify", { channel: "web", title: "" }],
  ["notify", { channel: "web", title: "x", user_id: "not-a-uuid" }],
  ["notify", { channel: "web", title: "x", priority: "meh" }],
  ["notify", { channel: "web", message: "no title" }],
  ["notify", { channel: "email", to: ["ops@example.com"], subject: "Hi", message: "body" }],
  ["notify", { channel: "email", to: ["ops@example.com", "dev.team+alerts@sub.example.org"], subject: "Hi", message: "" }],
  ["notify", { channel: "email", to: [], subject: "Hi", message: "x" }],
  ["notify", { channel: "email", to: ["not an email"], subject: "Hi", message: "x" }],
  ["notify", { channel: "email", to: "ops@example.com", subject: "Hi", message: "x" }],
  ["notify", { channel: "email", to: ["ops@example.com"], message: "x" }],
  ["notify", { channel: "email", to: ["ops@example.com"], subject: "Hi" }],
  ["notify", { channel: "webhook", url: "https://hooks.slack.com/services/x", message: "{{task.name}} failed" }],
  ["notify", { channel: "webhook", url: "https://discord.com/api/webhooks/x", format: "discord", title: "t", message: "m" }],
  ["notify", { channel: "webhook", url: "https://example.com", format: "teams", message: "m" }],
  ["notify", { channel: "webhook", url: "https://example.com", message: "" }],
  ["notify", { channel: "webhook", url: "nope", message: "m" }],
  ["notify", { channel: "sms", message: "m" }],
  ["notify", { message: "m" }],
  ["notify", { channel: "web", title: "x", extra: 1 }],
  ["watch", { source: { type: "http", url: "https://example.com/orders.json" } }],
  ["watch", { source: { type: "http", url: "https://example.com/o?since={{watcher.cursor}}", headers: { Authorization: "Bearer x" }, max_redirects: 0, max_response_bytes: 1 },
    mode: "items", items: "/data/orders", key: "id", cursor: "updated_at", max_events_per_poll: 1000, seed_first_poll: false,
    pause_after_errors: 1, seen_limit: 100000, seen_max_age_days: 3650 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: "", key: "" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: "/a~0b/~1c/0", key: "data.items.0" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, mode: "hash" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, mode: "hash", items: "/price" }],
  ["watch", {}],
  ["watch", { source: "https://example.com/" }],
  ["watch", { source: { url: "https://example.com/" } }],
  ["watch", { source: { type: "sql", url: "https://example.com/" } }],
  ["watch", { source: { type: "http" } }],
  ["watch", { source: { type: "http", url: "ftp://example.com/" } }],
  ["watch", { source: { type: "http", url: "https://example.com/", method: "POST" } }],
  ["watch", { source: { type: "http", url: "https://example.com/", headers: { "bad header": "x" } } }],
  ["watch", { source: { type: "http", url: "https://example.com/", max_response_bytes: 0 } }],
  ["watch", { source: { type: "http", url: "https://example.com/", max_response_bytes: 1048577 } }],
  ["watch", { source: { type: "http", url: "https://example.com/", max_redirects: 11 } }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, mode: "diff" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: "a..b" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: ".a" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: "/a~2" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, items: 3 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, key: null }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, cursor: "x".repeat(1025) }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, mode: "hash", key: "id" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, mode: "hash", cursor: "at" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, max_events_per_poll: 0 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, max_events_per_poll: 1001 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, seed_first_poll: "yes" }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, pause_after_errors: 0 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, seen_limit: 2.5 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, seen_max_age_days: 3651 }],
  ["watch", { source: { type: "http", url: "https://example.com/" }, interval: 60 }],
  // sizes: a 100 KB body fits, 1.1 MB and 10 MB ones (string or object) do not
  ["http", { url: "https://example.com", method: "POST", body: "x".repeat(100_000) }],
  ["http", { url: "https://example.com", method: "POST", body: "x".repeat(1_100_000) }],
  ["http", { url: "https://example.com", method: "POST", body: { blob: "y".repeat(10_000_000) } }],
  ["ai-prompt", { prompt: "p", system: "s".repeat(100_000) }],
];

test("the SQL check and the zod schemas agree on every payload of the corpus", async () => {
  const rows = await sql`
    select scheduler_internal.action_payload_error(a, p::jsonb) as error
    from unnest(${corpus.map(([a]) => a)}::text[], ${corpus.map(([, p]) => JSON.stringify(p))}::text[]) with ordinality as t(a, p, n)
    order by n`;
  const disagreements = corpus.flatMap(([action, payload], i) => {
    const zod = payloadError(action, payload);
    const db = rows[i].error as string | null;
    return (zod === null) === (db === null) ? [] : [`${action} ${JSON.stringify(payload)}: zod ${zod ?? "valid"}, sql ${db ?? "valid"}`];
  });
  expect(disagreements).toEqual([]);
  // the corpus must exercise both verdicts, or it proves nothing
  expect(rows.filter((r) => r.error === null).length).toBeGreaterThan(10);
  expect(rows.filter((r) => r.error !== null).length).toBeGreaterThan(20);
});
