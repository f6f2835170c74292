// The ai-prompt action: an OpenAI-compatible chat-completions call (OpenAI,
// Ollama, vLLM …). The prompt comes from the payload, or from the task's
// steps run in order; include_previous_context hands earlier steps' outputs
// to a step. Each step's status, result, timing and retries are reported, a
// failed step stops the run, and token usage and the finish reason are kept.
// Waiting, the start gate and recording are the shared runner's.
//
// With mcp_servers, the model is given the allowed tools of those servers
// (OpenAI-compatible `tools`); each tool call it makes runs through MCP
// (mcp.ts) and its answer goes back to it, until it answers in words or
// max_tool_calls is spent. Every call is recorded with its step. A call of a
// tool in approval_tools stops the run instead (pause_run_for_approval):
// nothing waits here. Once decide_approval queues the run again, it resumes
// from the state stored at the pause (run_resume_state): finished steps and
// calls are not repeated, and the call runs, or the model is told it was
// refused.
import type { ActionResult, AiPromptPayload, StepResult } from "../../../shared/contract.ts";
import { renderTemplate, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult, RunFailure } from "../_shared/action-result.ts";
import { createActionHandler, type ExecuteIo, type RecordedResult, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";
import type { Connect } from "../_shared/pinned-http.ts";
import type { Resolve } from "../_shared/ssrf.ts";
import { type McpHealth, type McpServerConnection, type McpSession, type McpTool, openMcp } from "./mcp.ts";

export interface AiConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface AiDeps extends RunnerDeps {
  ai: AiConfig;
  concurrency?: number;
  /** The SSRF guard MCP servers are reached through (the http action's). */
  resolve?: Resolve;
  connect?: Connect;
  allowHosts?: Set<string>;
}

/** What executing a run needs. */
export type AiIo = Pick<AiDeps, "fetch" | "now" | "ai" | "resolve" | "connect" | "allowHosts"> & Partial<Pick<AiDeps, "logger">>;
export type AiPromptRun = ValidRun<"ai-prompt">;

interface ToolCall { id: string; type: "function"; function: { name: string; arguments: string } }
type Message =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };
interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
interface Completion { content: string | null; tool_calls: ToolCall[]; finish_reason: string | null; usage: Usage; model: string }

/** One call as it is recorded with its step. */
export interface ToolCallRecord {
  tool: string;
  server: string | null;
  arguments: unknown;
  result?: string;
  error?: string;
  duration_ms: number;
  approval?: { id: string; status: string };
}

/** What the model is given of one tool answer, and what is kept of it (and of the arguments) in the record. */
export const toolResultLimit = 32_768;
export const recordedResultLimit = 4_096;
export const recordedArgumentsLimit = 2_048;
const mcpRequestTimeoutMs = 30_000;

// jsonb cannot hold U+0000 (a tool may answer it): as the recorder does, it becomes U+FFFD
const jsonText = (value: unknown) => JSON.stringify(value, (_k, v) => typeof v === "string" && v.includes("\u0000") ? v.replaceAll("\u0000", "\uFFFD") : v);
const cut = (s: string, n: number) => s.length <= n ? s : `${s.slice(0, n)}… [${s.length - n} more characters cut]`;

async function complete(messages: Message[], payload: AiPromptPayload, tools: McpTool[], timeoutMs: number, deps: AiIo): Promise<Completion> {
  let res: Response;
  try {
    res = await deps.fetch(`${deps.ai.baseUrl.replace(/\/$/, "")}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(deps.ai.apiKey ? { authorization: `Bearer ${deps.ai.apiKey}` } : {}) },
      body: JSON.stringify({
        model: payload.model ?? deps.ai.model,
        messages,
        ...(payload.temperature === undefined ? {} : { temperature: payload.temperature }),
        ...(payload.max_tokens === undefined ? {} : { max_tokens: payload.max_tokens }),
        ...(tools.length === 0 ? {} : {
          tools: tools.map((t) => ({ type: "function", function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema } })),
        }),
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new RunFailure(`the model API could not be reached: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new RunFailure(`the model API answered ${res.status}: ${text.slice(0, 300)}`, res.status === 408 || res.status === 429 || res.status >= 500);
  }
  let body: { choices?: { message?: { content?: string | null; tool_calls?: unknown }; finish_reason?: string }[]; usage?: Partial<Usage>; model?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new RunFailure("the model API answered with something that is not JSON", true);
  }
  const choice = body.choices?.[0];
  const calls = Array.isArray(choice?.message?.tool_calls) ? choice.message.tool_calls as ToolCall[] : [];
  if (calls.some((c) => typeof c?.id !== "string" || typeof c?.function?.name !== "string")) {
    throw new RunFailure("the model API answered with tool_calls without an id and a function name", false);
  }
  if (typeof choice?.message?.content !== "string" && calls.length === 0) {
    throw new RunFailure("the model API answered without choices[0].message.content", false);
  }
  return {
    content: typeof choice?.message?.content === "string" ? choice.message.content : null,
    tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.function.name, arguments: typeof c.function.arguments === "string" ? c.function.arguments : "{}" } })),
    finish_reason: choice?.finish_reason ?? null,
    usage: {
      prompt_tokens: body.usage?.prompt_tokens ?? 0,
      completion_tokens: body.usage?.completion_tokens ?? 0,
      total_tokens: body.usage?.total_tokens ?? 0,
    },
    model: body.model ?? payload.model ?? deps.ai.model,
  };
}

/** A unit of conversation: one step, or the payload's prompt (id null). */
interface Unit {
  id: string | null; order: number; name: string; instructions: string; include_previous_context: boolean; context_data: Record<string, unknown>;
  allowed_tools: string[] | null; requires_approval: boolean;
}

/** Where a unit stopped for an approval: its conversation, the calls of the model's last answer and the next to make. */
interface UnitState {
  /** The step's instructions as rendered, for the steps after it that include previous context. */
  instructions: string;
  messages: Message[];
  calls: ToolCall[];
  next: number;
  records: ToolCallRecord[];
  retries: number;
  started_at: string;
}

/** What the run keeps in its output while it waits (the unit's own state is on its step, or here for a prompt). */
interface PausedOutput {
  paused: {
    unit: number;
    history: { step: string; instructions: string; output: string }[];
    usage: Usage;
    tool_calls_made: number;
    started_at: string;
    model: string | null;
    prompt_state?: UnitState;
    /** A copy of the steps' state stored on task_steps, which a later run of the task may overwrite while this one waits. */
    steps?: ResumeRow["steps"];
  };
}

/** A tool call to approve; or, with call null, the step itself (state null: it has not begun). */
class Pause {
  constructor(readonly call: ToolCall | null, readonly server: string | null, readonly args: unknown, readonly state: UnitState | null) {}
}

interface Decision { approval_id: string; status: string; notes: string | null; tool_call_id: string }

const emptyUsage = (): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

interface ResumeRow {
  approval: { id: string; status: string; action_type: string; details: Record<string, unknown>; notes: string | null };
  output: PausedOutput | null;
  steps: { id: string; status: string; result: Record<string, unknown>; started_at: string | null; ended_at: string | null; retry_count: number }[];
}

export async function executeAiPromptRun(run: AiPromptRun, deps: AiIo, io?: ExecuteIo): Promise<ActionResult | RecordedResult> {
  const now = () => deps.now().toISOString();
  const payload = run.payload;
  if (!payload.prompt && run.steps.length === 0) {
    return failedResult(run, "nothing to ask: set action_payload.prompt or add task_steps", { retryable: false, endedAt: now() });
  }
  const ctx = templateContext(run);
  const system: Message[] = payload.system ? [{ role: "system", content: payload.system }] : [];
  const deadline = deps.now().getTime() + run.timeout_seconds * 1000;
  const remaining = () => Math.max(1000, deadline - deps.now().getTime());
  const units: Unit[] = run.steps.length === 0
    ? [{ id: null, order: 0, name: "prompt", instructions: payload.prompt!, include_previous_context: false, context_data: {}, allowed_tools: null, requires_approval: false }]
    : [...run.steps].sort((a, b) => a.step_order - b.step_order).map((s) => ({
      id: s.id, order: s.step_order, name: s.step_name, instructions: s.instructions, include_previous_context: s.include_previous_context, context_data: s.context_data ?? {},
      allowed_tools: s.allowed_tools ?? null, requires_approval: s.requires_approval ?? false,
    }));
  const stepped = run.steps.length > 0;

  let startedAt = now();
  let usage = emptyUsage();
  const addUsage = (u: Usage) => {
    usage.prompt_tokens += u.prompt_tokens;
    usage.completion_tokens += u.completion_tokens;
    usage.total_tokens += u.total_tokens;
  };
  let history: PausedOutput["paused"]["history"] = [];
  const results: StepResult[] = [];
  let toolCallsMade = 0;
  let firstUnit = 0;
  let resumeState: UnitState | null = null;
  let decision: Decision | null = null;
  /** The step a person approved to begin (a step with requires_approval). */
  let approvedStep: string | null = null;
  let lastModel: string | null = null;

  // a run that paused before a tool call, or a step, picks up where it stopped
  if ((payload.approval_tools.length > 0 || units.some((u) => u.requires_approval)) && io) {
    const [row] = await io.db.executeSql<{ state: ResumeRow | null }>("select scheduler.run_resume_state($1::uuid) as state", [run.run_id]);
    const state = row?.state;
    // the steps' stored state, from task_steps while they are still this run's, else from the run's own copy
    const pausedStep = state?.output?.paused ? units[state.output.paused.unit]?.id : undefined;
    const stepRows = state && state.steps.some((x) => x.id === pausedStep) ? state.steps : state?.output?.paused?.steps ?? [];
    if (state?.output?.paused && state.approval.details.kind === "step") {
      const p = state.output.paused;
      if (state.approval.status !== "approved" || state.approval.details.step_id !== units[p.unit]?.id) {
        return failedResult(run, `cannot resume: the approval of step ${units[p.unit]?.order ?? "?"} is ${state.approval.status}`, { retryable: false, endedAt: now() });
      }
      startedAt = p.started_at;
      usage = p.usage;
      history = p.history;
      toolCallsMade = p.tool_calls_made;
      lastModel = p.model;
      firstUnit = p.unit;
      approvedStep = units[p.unit].id;
      results.push(...storedResults(stepRows, units.slice(0, p.unit)));
    } else if (state?.output?.paused) {
      const p = state.output.paused;
      const stored = stepped ? stepRows.find((x) => x.id === pausedStep)?.result?.paused as UnitState | undefined : p.prompt_state;
      const pending = stored?.calls[stored.next];
      if (!stored || !pending) {
        return failedResult(run, `cannot resume after the approval of ${state.approval.action_type}: the state stored at the pause is gone`, {
          retryable: false, endedAt: now() });
      }
      if (state.approval.details.tool_call_id !== pending.id || !["approved", "rejected"].includes(state.approval.status)) {
        return failedResult(run, `cannot resume: the approval of ${state.approval.action_type} is ${state.approval.status}`, { retryable: false, endedAt: now() });
      }
      startedAt = p.started_at;
      usage = p.usage;
      history = p.history;
      toolCallsMade = p.tool_calls_made;
      lastModel = p.model;
      firstUnit = p.unit;
      resumeState = stored;
      decision = { approval_id: state.approval.id, status: state.approval.status, notes: state.approval.notes, tool_call_id: pending.id };
      results.push(...storedResults(stepRows, units.slice(0, p.unit)));
    }
  }

  const failed = (message: string, retryable: boolean, extra: { steps?: StepResult[]; output?: Record<string, unknown>; log_summary?: Record<string, unknown> } = {}) =>
    failedResult(run, message, { retryable, startedAt, endedAt: now(), ...(extra.steps ? { steps: extra.steps } : {}),
      output: { usage, ...extra.output }, ...(extra.log_summary ? { log_summary: extra.log_summary } : {}) });

  // the servers, and their tools the model may call
  let mcp: McpSession | null = null;
  if (payload.mcp_servers) {
    if (!io || !deps.resolve || !deps.connect || !deps.allowHosts) {
      return failed("mcp_servers: this ai-prompt function is not set up to reach MCP servers", false);
    }
    try {
      const servers = await io.db.executeSql<McpServerConnection>(
        "select * from scheduler.mcp_server_connections($1::uuid, $2::text[])", [run.task_id, payload.mcp_servers]);
      mcp = await openMcp(servers, payload.allowed_tools!, { resolve: deps.resolve, connect: deps.connect, allowHosts: deps.allowHosts },
        Math.min(mcpRequestTimeoutMs, remaining()), async (health: McpHealth[]) => {
          if (health.length === 0) return;
          await io.db.executeSql("select scheduler.record_mcp_health($1::text::jsonb, $2::timestamptz)", [jsonText(health), now()])
            // the run goes on: a lost health record is the next use's to write
            .catch((err) => deps.logger?.warn("could not record MCP servers' health", { run_id: run.run_id, error: String(err).slice(0, 300) }));
        });
    } catch (err) {
      if (err instanceof RunFailure) return failed(err.message, err.retryable, { steps: stepped ? [...results, ...skipped(units.slice(firstUnit))] : undefined });
      throw err;
    }
  }
  const approvalTools = new Set(payload.approval_tools);
  const rendered = (template: string) => {
    try {
      return renderTemplate(template, ctx);
    } catch {
      return template;
    }
  };

  /** One unit's conversation, from its start or from where it paused: its final answer. */
  const converse = async (unit: Unit, state: UnitState): Promise<{ completion: Completion; state: UnitState }> => {
    const { messages, records } = state;
    // a step's own allow-list narrows the task's
    const allowedHere = unit.allowed_tools === null ? null : new Set(unit.allowed_tools);
    const tools = mcp ? [...mcp.tools.values()].filter((t) => !allowedHere || allowedHere.has(t.name)) : [];
    if (allowedHere && [...allowedHere].some((t) => !mcp?.tools.has(t))) {
      throw new RunFailure(`allowed_tools of the step names ${[...allowedHere].filter((t) => !mcp?.tools.has(t)).join(", ")}, not in the task's allowed_tools (${payload.allowed_tools?.join(", ") ?? "none"})`, false);
    }
    let calls = state.calls;
    let next = state.next;
    for (;;) {
      for (; next < calls.length; next++) {
        const call = calls[next];
        const name = call.function.name;
        const tool = !allowedHere || allowedHere.has(name) ? mcp?.tools.get(name) : undefined;
        let args: unknown;
        try {
          args = JSON.parse(call.function.arguments || "{}");
        } catch {
          args = call.function.arguments;
        }
        const recordedArgs = JSON.stringify(args ?? null).length > recordedArgumentsLimit ? cut(JSON.stringify(args), recordedArgumentsLimit) : args;
        if (!tool) {
          records.push({ tool: name, server: null, arguments: recordedArgs, error: "not on allowed_tools", duration_ms: 0 });
          throw new RunFailure(`the model called ${name}, which is not on allowed_tools (${tools.map((t) => t.name).join(", ") || "none"})`, false);
        }
        // the call a person decided on was counted when it paused the run
        const decided = decision && decision.tool_call_id === call.id ? decision : null;
        decision = null;
        if (!decided) {
          if (toolCallsMade >= payload.max_tool_calls) {
            throw new RunFailure(`the model wanted more than max_tool_calls (${payload.max_tool_calls}) tool calls; the one over was ${name}`, false);
          }
          toolCallsMade++;
          if (approvalTools.has(name)) throw new Pause(call, tool.server, args, { ...state, messages, calls, next, records });
        }
        const t0 = deps.now().getTime();
        let answer: string;
        if (decided && decided.status !== "approved") {
          answer = `The call was refused: a person rejected it${decided.notes ? ` (${decided.notes})` : ""}. Do not call ${name} again for this; go on without it.`;
          records.push({ tool: name, server: tool.server, arguments: recordedArgs, error: `refused: approval ${decided.status}`, duration_ms: 0,
            approval: { id: decided.approval_id, status: decided.status } });
        } else if (typeof args !== "object" || args === null || Array.isArray(args)) {
          answer = "Error: the arguments were not a JSON object.";
          records.push({ tool: name, server: tool.server, arguments: recordedArgs, error: "the model's arguments were not a JSON object", duration_ms: 0 });
        } else {
          try {
            const out = await mcp!.call(name, args as Record<string, unknown>, Math.min(mcpRequestTimeoutMs, remaining()));
            answer = cut(out.text, toolResultLimit);
            records.push({ tool: name, server: tool.server, arguments: recordedArgs, ...(out.isError ? { error: cut(out.text, recordedResultLimit) } : { result: cut(out.text, recordedResultLimit) }),
              duration_ms: deps.now().getTime() - t0, ...(decided ? { approval: { id: decided.approval_id, status: decided.status } } : {}) });
            if (out.isError) answer = `Error: ${answer}`;
          } catch (err) {
            records.push({ tool: name, server: tool.server, arguments: recordedArgs, error: cut((err as Error).message, recordedResultLimit), duration_ms: deps.now().getTime() - t0 });
            throw err;
          }
        }
        messages.push({ role: "tool", tool_call_id: call.id, content: answer });
      }
      let completion: Completion;
      for (;;) {
        try {
          completion = await complete(messages, payload, tools, remaining(), deps);
          addUsage(completion.usage);
          lastModel = completion.model;
          break;
        } catch (err) {
          const e = err instanceof RunFailure ? err : new RunFailure(String(err), true);
          if (e.retryable && state.retries < payload.step_max_retries && deps.now().getTime() < deadline) {
            state.retries++;
            continue;
          }
          throw e;
        }
      }
      if (completion.tool_calls.length === 0) return { completion, state };
      messages.push({ role: "assistant", content: completion.content, tool_calls: completion.tool_calls });
      calls = completion.tool_calls;
      next = 0;
    }
  };

  const withCalls = (records: ToolCallRecord[]) => records.length ? { tool_calls: records } : {};
  try {
    for (let i = firstUnit; i < units.length; i++) {
      const unit = units[i];
      let state: UnitState;
      if (resumeState && i === firstUnit) {
        state = resumeState;
      } else {
        if (unit.requires_approval && approvedStep !== unit.id) return await pause(i, new Pause(null, null, null, null));
        const messages: Message[] = [...system];
        if (unit.include_previous_context) {
          for (const h of history) messages.push({ role: "user", content: h.instructions }, { role: "assistant", content: h.output });
        }
        let instructions: string;
        try {
          instructions = renderTemplate(unit.instructions, ctx);
        } catch (err) {
          if (!stepped) return failed((err as Error).message, false);
          results.push({ id: unit.id!, status: "failed", started_at: now(), ended_at: now(), retry_count: 0, error_message: (err as Error).message });
          return failed(`step ${unit.order} (${unit.name}): ${(err as Error).message}`, false, { steps: [...results, ...skipped(units.slice(i + 1))] });
        }
        const contextData = Object.keys(unit.context_data).length ? `\n\nContext:\n${JSON.stringify(unit.context_data)}` : "";
        messages.push({ role: "user", content: stepped ? instructions + contextData : instructions });
        state = { instructions, messages, calls: [], next: 0, records: [], retries: 0, started_at: now() };
      }
      let out: { completion: Completion; state: UnitState };
      try {
        out = await converse(unit, state);
      } catch (err) {
        if (err instanceof Pause) return await pause(i, err);
        const e = err instanceof RunFailure ? err : new RunFailure(String(err), true);
        if (!stepped) return failed(e.message, e.retryable, { output: withCalls(state.records) });
        results.push({ id: unit.id!, status: "failed", started_at: state.started_at, ended_at: now(), retry_count: state.retries, error_message: e.message,
          ...(state.records.length ? { result: withCalls(state.records) } : {}) });
        return failed(`step ${unit.order} (${unit.name}) failed: ${e.message}`, e.retryable, {
          steps: [...results, ...skipped(units.slice(i + 1))], log_summary: { failed_step: unit.order, usage, tool_calls: toolCallsMade } });
      }
      const c = out.completion;
      const content = c.content ?? "";
      if (!stepped) {
        return completedResult(run, { startedAt, endedAt: now(),
          output: { content, finish_reason: c.finish_reason, usage, model: c.model, ...withCalls(out.state.records) },
          log_summary: { finish_reason: c.finish_reason, usage, ...(mcp ? { tool_calls: toolCallsMade } : {}) } });
      }
      results.push({ id: unit.id!, status: "completed", started_at: out.state.started_at, ended_at: now(), retry_count: out.state.retries,
        result: { content, finish_reason: c.finish_reason, usage: c.usage, ...withCalls(out.state.records) } });
      history.push({ step: unit.name, instructions: out.state.instructions, output: content });
      if (i === units.length - 1) {
        return completedResult(run, {
          startedAt, endedAt: now(), steps: results,
          output: { content, finish_reason: c.finish_reason, usage, model: c.model, steps: history },
          log_summary: { finish_reason: c.finish_reason, usage, steps: results.length, ...(mcp ? { tool_calls: toolCallsMade } : {}) },
        });
      }
    }
    throw new Error("unreachable: no unit ended the run");
  } finally {
    await mcp?.close();
  }

  /** Stops the run before a call that needs approval: its state is stored, and nothing is left waiting here. */
  async function pause(unitIndex: number, p: Pause): Promise<ActionResult | RecordedResult> {
    const unit = units[unitIndex];
    if (!io) return failed(`step ${unit.order} (${unit.name}) needs approval, and this ai-prompt function cannot hold a run for it`, false);
    const steps: StepResult[] = !stepped ? [] : p.state
      ? [...results, { id: unit.id!, status: "running" as const, started_at: p.state.started_at, retry_count: p.state.retries, result: { paused: p.state } }]
      : [...results, { id: unit.id!, status: "pending" as const, retry_count: 0 }];
    const paused: PausedOutput = { paused: { unit: unitIndex, history, usage, tool_calls_made: toolCallsMade, started_at: startedAt, model: lastModel,
      ...(stepped || !p.state ? {} : { prompt_state: p.state }),
      ...(stepped ? { steps: steps.map((x) => ({ id: x.id, status: x.status, result: x.result ?? {}, started_at: x.started_at ?? null, ended_at: x.ended_at ?? null, retry_count: x.retry_count })) } : {}) } };
    const where = stepped ? { step_id: unit.id, step_order: unit.order, step_name: unit.name } : {};
    const details = p.call
      ? { arguments: p.args, server: p.server, tool_call_id: p.call.id, ...where }
      : { kind: "step", ...where, instructions: cut(rendered(unit.instructions), recordedArgumentsLimit) };
    const tool = p.call ? p.call.function.name : "step";
    const [row] = await io.db.executeSql<{ approval_id: string | null }>(
      "select scheduler.pause_run_for_approval($1::uuid, $2, $3, $4::text::jsonb, $5::text::jsonb, $6::text::jsonb, $7::timestamptz) as approval_id",
      [run.run_id, io.worker, tool, jsonText(details), jsonText(steps), jsonText(paused), now()]);
    // the runner records nothing more for it: the run is awaiting_approval now (or was no longer this worker's)
    return { recorded: completedResult(run, { startedAt, endedAt: now(), log_summary: { awaiting_approval: row?.approval_id ?? null, tool } }) };
  }
}

/** The finished steps before the paused one, as they were stored at the pause. */
function storedResults(steps: ResumeRow["steps"], earlier: Unit[]): StepResult[] {
  const ids = new Set(earlier.map((u) => u.id));
  return steps.filter((s) => ids.has(s.id) && s.status === "completed").map((s) => ({
    id: s.id, status: "completed", result: s.result, retry_count: s.retry_count,
    ...(s.started_at ? { started_at: s.started_at } : {}), ...(s.ended_at ? { ended_at: s.ended_at } : {}),
  }));
}

const skipped = (units: Unit[]): StepResult[] => units.filter((u) => u.id).map((u) => ({ id: u.id!, status: "skipped", retry_count: 0 }));

export function createHandler(deps: AiDeps) {
  return createActionHandler({ action: "ai-prompt", concurrency: deps.concurrency ?? 16, executeRun: (run, io) => executeAiPromptRun(run, deps, io) }, deps);
}
