// The ai-prompt action: an OpenAI-compatible chat-completions call (OpenAI,
// Ollama, vLLM …). The prompt comes from the payload, or from the task's
// steps run in order; include_previous_context hands earlier steps' outputs
// to a step. Each step's status, result, timing and retries are reported, a
// failed step stops the run, and token usage and the finish reason are kept.
// Waiting, the start gate and recording are the shared runner's.
import type { ActionResult, AiPromptPayload, StepResult } from "../../../shared/contract.ts";
import { renderTemplate, TemplateError, templateContext } from "../../../shared/template.ts";
import { completedResult, failedResult, RunFailure } from "../_shared/action-result.ts";
import { createActionHandler, type RunnerDeps, type ValidRun } from "../_shared/action-runner.ts";

export interface AiConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface AiDeps extends RunnerDeps {
  ai: AiConfig;
  concurrency?: number;
}

/** What executing a run needs. */
export type AiIo = Pick<AiDeps, "fetch" | "now" | "ai">;
export type AiPromptRun = ValidRun<"ai-prompt">;

type Message = { role: "system" | "user" | "assistant"; content: string };
interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
interface Completion { content: string; finish_reason: string | null; usage: Usage; model: string }

async function complete(messages: Message[], payload: AiPromptPayload, timeoutMs: number, deps: AiIo): Promise<Completion> {
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
  let body: { choices?: { message?: { content?: string }; finish_reason?: string }[]; usage?: Partial<Usage>; model?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new RunFailure("the model API answered with something that is not JSON", true);
  }
  const choice = body.choices?.[0];
  if (typeof choice?.message?.content !== "string") throw new RunFailure("the model API answered without choices[0].message.content", false);
  return {
    content: choice.message.content,
    finish_reason: choice.finish_reason ?? null,
    usage: {
      prompt_tokens: body.usage?.prompt_tokens ?? 0,
      completion_tokens: body.usage?.completion_tokens ?? 0,
      total_tokens: body.usage?.total_tokens ?? 0,
    },
    model: body.model ?? payload.model ?? deps.ai.model,
  };
}

export async function executeAiPromptRun(run: AiPromptRun, deps: AiIo): Promise<ActionResult> {
  const now = () => deps.now().toISOString();
  const payload = run.payload;
  if (!payload.prompt && run.steps.length === 0) {
    return failedResult(run, "nothing to ask: set action_payload.prompt or add task_steps", { retryable: false, endedAt: now() });
  }
  const startedAt = now();
  const ctx = templateContext(run);
  const system: Message[] = payload.system ? [{ role: "system", content: payload.system }] : [];
  const deadline = deps.now().getTime() + run.timeout_seconds * 1000;
  const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const addUsage = (u: Usage) => {
    usage.prompt_tokens += u.prompt_tokens;
    usage.completion_tokens += u.completion_tokens;
    usage.total_tokens += u.total_tokens;
  };

  try {
    if (run.steps.length === 0) {
      const c = await complete([...system, { role: "user", content: renderTemplate(payload.prompt!, ctx) }], payload, deadline - deps.now().getTime(), deps);
      addUsage(c.usage);
      return completedResult(run, { startedAt, endedAt: now(),
        output: { content: c.content, finish_reason: c.finish_reason, usage, model: c.model },
        log_summary: { finish_reason: c.finish_reason, usage } });
    }
  } catch (err) {
    if (err instanceof TemplateError) return failedResult(run, err.message, { retryable: false, startedAt, endedAt: now() });
    if (err instanceof RunFailure) return failedResult(run, err.message, { retryable: err.retryable, startedAt, endedAt: now() });
    throw err;
  }

  const steps = [...run.steps].sort((a, b) => a.step_order - b.step_order);
  const results: StepResult[] = [];
  const history: { step: string; instructions: string; output: string }[] = [];
  let last: Completion | null = null;
  for (const [i, step] of steps.entries()) {
    const stepStarted = now();
    const messages: Message[] = [...system];
    if (step.include_previous_context) {
      for (const h of history) {
        messages.push({ role: "user", content: h.instructions }, { role: "assistant", content: h.output });
      }
    }
    let instructions: string;
    try {
      instructions = renderTemplate(step.instructions, ctx);
    } catch (err) {
      results.push({ id: step.id, status: "failed", started_at: stepStarted, ended_at: now(), retry_count: 0, error_message: (err as Error).message });
      steps.slice(i + 1).forEach((s) => results.push({ id: s.id, status: "skipped", retry_count: 0 }));
      return failedResult(run, `step ${step.step_order} (${step.step_name}): ${(err as Error).message}`, {
        retryable: false, startedAt, endedAt: now(), steps: results, output: { usage } });
    }
    const contextData = Object.keys(step.context_data ?? {}).length ? `\n\nContext:\n${JSON.stringify(step.context_data)}` : "";
    messages.push({ role: "user", content: instructions + contextData });

    let retries = 0;
    for (;;) {
      try {
        last = await complete(messages, payload, Math.max(1000, deadline - deps.now().getTime()), deps);
        addUsage(last.usage);
        results.push({ id: step.id, status: "completed", started_at: stepStarted, ended_at: now(), retry_count: retries,
          result: { content: last.content, finish_reason: last.finish_reason, usage: last.usage } });
        history.push({ step: step.step_name, instructions, output: last.content });
        break;
      } catch (err) {
        const e = err instanceof RunFailure ? err : new RunFailure(String(err), true);
        if (e.retryable && retries < payload.step_max_retries && deps.now().getTime() < deadline) {
          retries++;
          continue;
        }
        results.push({ id: step.id, status: "failed", started_at: stepStarted, ended_at: now(), retry_count: retries, error_message: e.message });
        steps.slice(i + 1).forEach((s) => results.push({ id: s.id, status: "skipped", retry_count: 0 }));
        return failedResult(run, `step ${step.step_order} (${step.step_name}) failed: ${e.message}`, {
          retryable: e.retryable, startedAt, endedAt: now(), steps: results, output: { usage }, log_summary: { failed_step: step.step_order, usage } });
      }
    }
  }
  return completedResult(run, {
    startedAt, endedAt: now(), steps: results,
    output: { content: last!.content, finish_reason: last!.finish_reason, usage, model: last!.model, steps: history },
    log_summary: { finish_reason: last!.finish_reason, usage, steps: results.length },
  });
}

export function createHandler(deps: AiDeps) {
  return createActionHandler({ action: "ai-prompt", concurrency: deps.concurrency ?? 16, executeRun: (run) => executeAiPromptRun(run, deps) }, deps);
}
