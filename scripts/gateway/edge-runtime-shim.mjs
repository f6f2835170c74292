// LOCAL STAND-IN for the Edge Runtime's `EdgeRuntime` global. The real Edge
// Runtime keeps a worker alive until promises handed to `waitUntil` settle; a
// plain Deno process serving with Deno.serve stays alive anyway, so the shim
// only has to track the promises and report rejections. The function module is
// imported unchanged afterwards, so it runs the same here and when deployed.
// Plain JavaScript: installed from npm it sits under node_modules, where Deno
// does not strip TypeScript types.
/** @type {Set<Promise<unknown>>} */
const pending = new Set();

globalThis.EdgeRuntime = {
  /** @param {Promise<unknown>} promise */
  waitUntil(promise) {
    const tracked = Promise.resolve(promise)
      .catch((err) => {
        console.error(JSON.stringify({ level: "error", msg: "waitUntil promise rejected", error: String(err?.stack ?? err) }));
      })
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  },
};

const entry = Deno.args[0];
if (!entry) throw new Error("usage: edge-runtime-shim.mjs <file:///…/index.ts>");
await import(entry);
