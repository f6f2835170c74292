// Builders for action requests in the functions' tests.
import type { RunToExecute } from "../../../shared/contract.ts";
import type { ActionType } from "../../../shared/enums.ts";
import { parseRun, type ValidRun } from "./action-runner.ts";

let counter = 0;
export function runOf(payload: unknown, overrides: Partial<RunToExecute> = {}): RunToExecute {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return {
    run_id: `00000000-0000-4000-8000-${hex}`,
    task_id: "11111111-1111-4111-8111-111111111111",
    attempt: 1,
    scheduled_time: "2026-11-24T10:00:00.000Z",
    triggered_by: "schedule",
    timeout_seconds: 5,
    action_type: "http",
    payload,
    inputs: {},
    task: {
      id: "11111111-1111-4111-8111-111111111111",
      name: "Nightly report",
      owner_id: "22222222-2222-4222-8222-222222222222",
      timezone: "UTC",
      tags: ["reports"],
      priority: "medium",
      max_attempts: 3,
      metadata: {},
      signing_secret: "whsec_" + btoa("0123456789abcdef0123456789abcdef"),
    },
    steps: [],
    ...overrides,
  };
}

/** A run as the runner hands it to an executor: parsed, its payload parsed by the action's schema. Throws when it does not parse. */
export function validRun<A extends ActionType>(action: A, run: RunToExecute): ValidRun<A> {
  const parsed = parseRun(action, run);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.run;
}
