// Templates over a run's fields: rendering, and the fields a run offers.
import { expect, test } from "vitest";
import type { RunToExecute } from "./contract.ts";
import { renderJsonTemplate, renderTemplate, TemplateError, templateContext } from "./template.ts";

test("templates fill task, run and input fields, and name a missing one", () => {
  const ctx = { task: { name: "Backup", tags: ["a"] }, run: { id: "r1", attempt: 2 }, inputs: { n: null } };
  expect(renderTemplate("{{task.name}} #{{ run.attempt }} {{task.tags}} [{{inputs.n}}]", ctx)).toBe('Backup #2 ["a"] []');
  expect(renderJsonTemplate({ k: ["{{run.id}}", 3] }, ctx)).toEqual({ k: ["r1", 3] });
  expect(() => renderTemplate("{{task.owner}}", ctx)).toThrow(TemplateError);
  expect(() => renderTemplate("{{run.id.deeper}}", ctx)).toThrow(/\{\{run\.id\.deeper\}\}/);
  expect(renderTemplate("no {{ placeholders here", ctx)).toBe("no {{ placeholders here");
});

test("a run offers its task's public fields, its own, and its inputs; never the signing secret", () => {
  const run: RunToExecute = {
    run_id: "00000000-0000-4000-8000-000000000001",
    task_id: "11111111-1111-4111-8111-111111111111",
    attempt: 2,
    scheduled_time: "2026-11-24T10:00:00.000Z",
    triggered_by: "schedule",
    timeout_seconds: 5,
    action_type: "http",
    payload: {},
    inputs: { text: "hello" },
    task: {
      id: "11111111-1111-4111-8111-111111111111", name: "Nightly report", owner_id: "22222222-2222-4222-8222-222222222222",
      timezone: "UTC", tags: ["reports"], priority: "medium", max_attempts: 3, metadata: { team: "ops" }, signing_secret: "whsec_x",
    },
    steps: [],
  };
  const ctx = templateContext(run);
  expect(ctx).toEqual({
    task: { id: run.task.id, name: "Nightly report", owner_id: run.task.owner_id, timezone: "UTC", tags: ["reports"], metadata: { team: "ops" } },
    run: { id: run.run_id, attempt: 2, scheduled_time: "2026-11-24T10:00:00.000Z", triggered_by: "schedule" },
    inputs: { text: "hello" },
  });
  expect(renderTemplate("{{task.name}} #{{run.attempt}}: {{inputs.text}}", ctx)).toBe("Nightly report #2: hello");
  expect(() => renderTemplate("{{task.signing_secret}}", ctx)).toThrow(TemplateError);
  expect(templateContext({ ...run, inputs: null }).inputs).toEqual({});
});

test("a missing field is named with what its parent has instead", () => {
  const ctx = { task: { name: "Orders" }, run: { id: "r1" }, inputs: { order: 42, customer: "acme" } };
  expect(() => renderTemplate("{{inputs.total}}", ctx))
    .toThrow("template refers to {{inputs.total}}, but inputs has no field total (it has order, customer)");
  expect(() => renderTemplate("{{inputs.order.id}}", ctx))
    .toThrow("template refers to {{inputs.order.id}}, but inputs.order is number, so it has no field id");
  expect(() => renderTemplate("{{inputs.x}}", { ...ctx, inputs: {} }))
    .toThrow("template refers to {{inputs.x}}, but inputs has no field x (it is empty)");
  expect(() => renderTemplate("{{payload.order}}", ctx))
    .toThrow("template refers to {{payload.order}}, but payload is not one of task, run, inputs");
});
