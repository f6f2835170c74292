// `{{task.name}}`-style templates over a run's and a task's fields. No code
// runs: a placeholder is a dotted path into the context, and a path that
// leads nowhere is an error naming it, so a typo fails the run visibly
// instead of sending an empty field. templateContext says which fields a
// run offers.
import type { RunToExecute } from "./contract.ts";

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

function lookup(context: Record<string, unknown>, path: string): unknown {
  const keys = path.split(".");
  let value: unknown = context;
  for (const [depth, key] of keys.entries()) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !(key in (value as Record<string, unknown>))) {
      throw new TemplateError(depth === 0
        ? `template refers to {{${path}}}, but ${key} is not one of ${Object.keys(context).join(", ")}`
        : `template refers to {{${path}}}, but ${describeMissing(keys.slice(0, depth).join("."), key, value)}`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Why `parent` has no `key`: which fields it has, or what it is instead of an object. */
function describeMissing(parent: string, key: string, value: unknown): string {
  if (value === null || typeof value !== "object") return `${parent} is ${value === null ? "null" : typeof value}, so it has no field ${key}`;
  if (Array.isArray(value)) return `${parent} is a list, so it has no field ${key}`;
  const fields = Object.keys(value);
  return fields.length
    ? `${parent} has no field ${key} (it has ${fields.join(", ")})`
    : `${parent} has no field ${key} (it is empty)`;
}

/** Renders a string template; objects and arrays are inserted as JSON. */
export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return template.replace(placeholder, (_, path: string) => {
    const value = lookup(context, path);
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}

/** Renders every string inside a JSON value (keys stay as they are). */
export function renderJsonTemplate(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === "string") return renderTemplate(value, context);
  if (Array.isArray(value)) return value.map((v) => renderJsonTemplate(v, context));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJsonTemplate(v, context)]));
  }
  return value;
}

/** The fields templates may use: {{task.name}}, {{run.id}}, {{run.scheduled_time}}, {{inputs.x}} (an event's payload, a manual run's inputs) … */
export function templateContext(run: RunToExecute): Record<string, unknown> {
  return {
    task: { id: run.task.id, name: run.task.name, owner_id: run.task.owner_id, timezone: run.task.timezone, tags: run.task.tags, metadata: run.task.metadata },
    run: { id: run.run_id, attempt: run.attempt, scheduled_time: run.scheduled_time, triggered_by: run.triggered_by },
    inputs: run.inputs ?? {},
  };
}
