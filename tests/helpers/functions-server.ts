// A function's handler served on a loopback port, the way the gateway hands
// it requests, for tests that run the dispatcher and an action in-process.
// `intercept` sees each request's body once the handler has answered and may
// cut the connection instead of passing the answer on (an answer lost).
import http from "node:http";
import type { AddressInfo } from "node:net";

export async function serveFunction(
  handler: (req: Request) => Promise<Response>,
  intercept?: (body: string) => "cut" | undefined,
) {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const answer = await handler(new Request(`http://fn${req.url}`, { method: req.method, headers: req.headers as HeadersInit, body }));
    if (intercept?.(body) === "cut") return void req.socket.destroy();
    res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    functionsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
