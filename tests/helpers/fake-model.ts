// A chat-completions server on 127.0.0.1 speaking the OpenAI wire format,
// for the ai-prompt action's tests (in-process, or on E2E_MODEL_API_PORT for
// the test stack's functions). It answers `answer(<last message>)`, and
// plays a model that uses tools by what it is asked:
//  - a user message `call <tool> <json arguments>` (one line each; several
//    lines are several calls in one answer) gets those tool_calls, when the
//    request offers the tool;
//  - `loop <tool> <json>` calls the tool again after every answer, forever;
//  - after tool answers it answers `answer(tool: <the tool messages' contents joined by |>)`.
// `failuresLeft` answers 503 that many times first.
import { loopbackServer } from "./loopback.ts";

interface ChatMessage { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }

export async function fakeModel(port = 0) {
  let calls = 0;
  const state = { failuresLeft: 0 };
  const server = await loopbackServer((req, res) => {
    if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
    if (state.failuresLeft > 0) {
      state.failuresLeft--;
      return void res.writeHead(503).end('{"error":"overloaded"}');
    }
    const body = JSON.parse(req.body) as { model: string; messages: ChatMessage[]; tools?: unknown[] };
    const userAsk = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const last = body.messages[body.messages.length - 1];
    const wanted = userAsk.split("\n").flatMap((line) => {
      const m = /^(call|loop) ([A-Za-z0-9_-]+) (.*)$/.exec(line.trim());
      return m ? [{ kind: m[1], name: m[2], args: m[3] }] : [];
    });
    const looping = wanted.some((w) => w.kind === "loop");
    const message: Record<string, unknown> = { role: "assistant" };
    // a tool it is not offered is called all the same: a model that strays from its list
    if (wanted.length > 0 && (last.role === "user" || looping)) {
      message.content = null;
      message.tool_calls = wanted.map((w) => ({ id: `call_${++calls}`, type: "function", function: { name: w.name, arguments: w.args } }));
    } else if (last.role === "tool") {
      const answers: string[] = [];
      for (let i = body.messages.length - 1; i >= 0 && body.messages[i].role === "tool"; i--) answers.unshift(body.messages[i].content ?? "");
      message.content = `answer(tool: ${answers.join(" | ")})`;
    } else {
      message.content = `answer(${last.content})`;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
      id: "chatcmpl-1", object: "chat.completion", model: body.model,
      choices: [{ index: 0, message, finish_reason: message.tool_calls ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    }));
  }, port);
  return Object.assign(server, { state });
}
