// Runs one pinned request under real Deno, with the Edge Runtime's connector
// (supabase/functions/_shared/deno-connect.ts), for pinned-http.test.ts:
//   deno run --allow-net --allow-read tests/helpers/deno-pinned-request.ts '<json>'
// with {url, addresses, method?, headers?, body?, caCertFile?, timeoutMs?};
// prints {status, headers, body} or {error} as one line of JSON.
import { denoConnect } from "../../supabase/functions/_shared/deno-connect.ts";
import { guardedFetch } from "../../supabase/functions/_shared/ssrf.ts";

const args = JSON.parse(Deno.args[0]);
const caCerts = args.caCertFile ? [await Deno.readTextFile(args.caCertFile)] : undefined;
try {
  // the allow-list opens the name, so the guard takes the resolver's answer unchecked, and connects there
  const host = new URL(args.url).hostname;
  const { response } = await guardedFetch(args.url, {
    method: args.method, headers: args.headers, body: args.body,
    signal: args.timeoutMs ? AbortSignal.timeout(args.timeoutMs) : undefined,
  }, { maxRedirects: 0, allow: new Set([host]), resolve: async () => args.addresses, connect: denoConnect({ caCerts }) });
  console.log(JSON.stringify({ status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() }));
} catch (err) {
  console.log(JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
}
