// The ai-prompt action's MCP side: the servers a run names, reached with the
// official SDK's client over Streamable HTTP, every request through the same
// SSRF guard and pinned connections as the http action (the transport takes
// the guarded fetch). Opening the servers lists their tools, which is also
// the servers' health check (record_mcp_health): a run that uses a server
// learns whether it is up and what it offers anyway, so no other poll is
// needed, and a server nobody uses costs nothing.
import { Client } from "@modelcontextprotocol/sdk/client";
// the package's "./*" export gives Deno no types for a .js subpath; these are that module's
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RunFailure } from "../_shared/action-result.ts";
import type { Connect } from "../_shared/pinned-http.ts";
import { BlockedTargetError, guardedFetch, type Resolve } from "../_shared/ssrf.ts";

/** What scheduler.mcp_server_connections answers for one name. */
export interface McpServerConnection {
  name: string;
  server_id: string | null;
  url: string | null;
  headers: Record<string, string> | null;
  error: string | null;
}

export interface McpTool {
  server: string;
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

/** One server's health, as record_mcp_health takes it. */
export interface McpHealth {
  server_id: string;
  ok: boolean;
  tools?: McpTool[];
  error?: string;
}

export interface McpGuard {
  resolve: Resolve;
  connect: Connect;
  allowHosts: Set<string>;
}

export interface McpSession {
  /** The allowed tools, by name. */
  tools: Map<string, McpTool>;
  /** Calls a tool; a tool's own error (isError) comes back as text with isError, a transport failure throws RunFailure. */
  call(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

const clientInfo = { name: "supabase-task-scheduler", version: "0.1.0" };
const describe = (err: unknown) => err instanceof Error ? err.message : String(err);

/** The SDK's fetch: each request through the SSRF guard, connected to the addresses it checked. */
export function guardedMcpFetch(guard: McpGuard) {
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string") throw new TypeError("the MCP client sent a body that is not a string");
    const { response } = await guardedFetch(String(url), { method: init?.method ?? "GET", headers, body: body ?? undefined, signal: init?.signal ?? undefined }, {
      maxRedirects: 3, allow: guard.allowHosts, resolve: guard.resolve, connect: guard.connect,
    });
    return response;
  };
}

/** The text the model is given for a tool's answer: its text parts, and anything else as JSON. */
export function toolResultText(result: { content?: unknown; structuredContent?: unknown }): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  const texts = parts.map((p: { type?: string; text?: string }) => p?.type === "text" && typeof p.text === "string" ? p.text : JSON.stringify(p));
  if (texts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return texts.join("\n");
}

/**
 * Connects to every server and lists its tools; keeps the allowed ones.
 * Fails the run (RunFailure) when a server cannot be used or an allowed tool
 * is listed by none, or by two, of them; the health of each server reached
 * is reported either way.
 */
export async function openMcp(
  servers: McpServerConnection[],
  allowed: string[],
  guard: McpGuard,
  timeoutMs: number,
  report: (health: McpHealth[]) => Promise<void>,
): Promise<McpSession> {
  const unusable = servers.find((s) => s.error || !s.url || !s.server_id);
  if (unusable) throw new RunFailure(`mcp_servers: ${unusable.error ?? `"${unusable.name}" cannot be used`}`, false);
  const fetchLike = guardedMcpFetch(guard);
  const clients: { server: McpServerConnection; client: Client }[] = [];
  const health: McpHealth[] = [];
  const listed = new Map<string, McpTool[]>();
  const closeAll = () => Promise.allSettled(clients.map((c) => c.client.close()));
  let failure: RunFailure | null = null;
  await Promise.all(servers.map(async (server) => {
    const client = new Client(clientInfo);
    try {
      const transport = new StreamableHTTPClientTransport(new URL(server.url!), {
        fetch: fetchLike,
        requestInit: { headers: server.headers ?? {} },
        // a run does not wait for a dropped stream to come back
        reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
      });
      await client.connect(transport, { timeout: timeoutMs });
      clients.push({ server, client });
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
        for (const t of page.tools) {
          tools.push({ server: server.name, name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.inputSchema as Record<string, unknown> });
        }
        cursor = page.nextCursor;
      } while (cursor && tools.length < 1000);
      health.push({ server_id: server.server_id!, ok: true, tools });
      for (const t of tools) listed.set(t.name, [...(listed.get(t.name) ?? []), t]);
    } catch (err) {
      const blocked = err instanceof BlockedTargetError;
      const message = `MCP server "${server.name}" (${server.url}) ${blocked ? "may not be called" : "could not be used"}: ${describe(err).slice(0, 500)}`;
      health.push({ server_id: server.server_id!, ok: false, error: message });
      failure ??= new RunFailure(message, !blocked);
      await client.close().catch(() => {});
    }
  }));
  await report(health);
  if (failure) {
    await closeAll();
    throw failure;
  }
  const tools = new Map<string, McpTool>();
  const clientOf = new Map<string, Client>();
  for (const name of allowed) {
    const found = listed.get(name) ?? [];
    if (found.length !== 1) {
      await closeAll();
      throw new RunFailure(found.length === 0
        ? `allowed_tools: no server of mcp_servers (${servers.map((s) => s.name).join(", ")}) lists a tool named ${name}`
        : `allowed_tools: ${name} is listed by more than one server (${found.map((t) => t.server).join(", ")}); name one of them only in mcp_servers`, false);
    }
    tools.set(name, found[0]);
    clientOf.set(name, clients.find((c) => c.server.name === found[0].server)!.client);
  }
  return {
    tools,
    async call(name, args, callTimeoutMs) {
      const client = clientOf.get(name)!;
      let result;
      try {
        result = await client.callTool({ name, arguments: args }, undefined, { timeout: callTimeoutMs });
      } catch (err) {
        throw new RunFailure(`the MCP server "${tools.get(name)!.server}" failed the call of ${name}: ${describe(err).slice(0, 500)}`, true);
      }
      // an old server may answer {toolResult} instead of {content}
      const answer = result as { content?: unknown; structuredContent?: unknown; isError?: unknown; toolResult?: unknown };
      if (answer.content === undefined && answer.toolResult !== undefined) return { text: JSON.stringify(answer.toolResult), isError: false };
      return { text: toolResultText(answer), isError: answer.isError === true };
    },
    close: async () => void await closeAll(),
  };
}
