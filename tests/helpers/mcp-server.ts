// A real MCP server on 127.0.0.1, made with the official SDK's server side
// (McpServer over Streamable HTTP, stateless, JSON answers), for the
// ai-prompt action's tests. Its tools: add, lookup_order, send_mail (each
// call counted), fail (a tool error) and slow (answers after `slowMs`).
// `mode` breaks it on purpose: "garbage" answers what is not JSON-RPC,
// "down" closes each connection unanswered.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export interface McpTestServer {
  url: string;
  /** Each tool call, in order, with its arguments. */
  calls: { tool: string; args: Record<string, unknown> }[];
  /** The headers of each HTTP request the server received. */
  requests: http.IncomingHttpHeaders[];
  mode: "ok" | "garbage" | "down";
  slowMs: number;
  close(): Promise<void>;
}

function build(state: McpTestServer): McpServer {
  const server = new McpServer({ name: "scheduler-test-tools", version: "1.0.0" });
  const text = (s: string) => ({ content: [{ type: "text" as const, text: s }] });
  server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
    state.calls.push({ tool: "add", args: { a, b } });
    return text(String(a + b));
  });
  server.registerTool("lookup_order", { description: "Finds an order by id", inputSchema: { id: z.string() } }, async ({ id }) => {
    state.calls.push({ tool: "lookup_order", args: { id } });
    return text(JSON.stringify({ id, total: 42, status: "shipped" }));
  });
  server.registerTool("send_mail", { description: "Sends an email", inputSchema: { to: z.string(), subject: z.string() } }, async (args) => {
    state.calls.push({ tool: "send_mail", args });
    return text(`sent to ${args.to}`);
  });
  server.registerTool("fail", { description: "Always fails", inputSchema: {} }, async () => {
    state.calls.push({ tool: "fail", args: {} });
    return { ...text("the tool broke"), isError: true };
  });
  server.registerTool("slow", { description: "Answers late", inputSchema: {} }, async () => {
    state.calls.push({ tool: "slow", args: {} });
    await new Promise((r) => setTimeout(r, state.slowMs));
    return text("late");
  });
  return server;
}

export async function mcpTestServer(): Promise<McpTestServer> {
  const state: McpTestServer = { url: "", calls: [], requests: [], mode: "ok", slowMs: 60_000, close: async () => {} };
  const httpServer = http.createServer(async (req, res) => {
    state.requests.push(req.headers);
    if (state.mode === "down") return void req.socket.destroy();
    if (state.mode === "garbage") return void res.writeHead(200, { "content-type": "application/json" }).end("<html>not json-rpc</html>");
    if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const server = build(state);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString() || "null"));
  });
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
  state.close = () => new Promise<void>((r) => {
    httpServer.closeAllConnections();
    httpServer.close(() => r());
  });
  return state;
}
