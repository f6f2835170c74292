// LOCAL STAND-IN for the Edge Runtime's `EdgeRuntime` global. The real Edge
// Runtime keeps a worker alive until promises handed to `waitUntil` settle; a
// plain Deno process serving with Deno.serve stays alive anyway, so the shim
// only has to track the promises and report rejections. The function module is
// imported unchanged afterwards, so it runs the same here and when deployed.
const pending = new Set<Promise<unknown>>();

(globalThis as unknown as { EdgeRuntime: unknown }).EdgeRuntime = {
  waitUntil(promise: Promise<unknown>) {
    const tracked = Promise.resolve(promise)
      .catch((err) => {
        console.error(JSON.stringify({ level: "error", msg: "waitUntil promise rejected", error: String(err?.stack ?? err) }));
      })
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  },
};

const entry = Deno.args[0];
if (!entry) throw new Error("usage: edge-runtime-shim.ts <file:///…/index.ts>");
await import(entry);
