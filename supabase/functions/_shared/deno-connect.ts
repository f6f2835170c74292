// The connections pinned requests (pinned-http.ts) go over on the Edge
// Runtime: Deno.connect to the checked address, then Deno.startTls with the
// URL's host as the name the certificate is verified against. Deno.* is read
// only when a connection is made, so vitest can import what imports this.
import type { Connect, Connection } from "./pinned-http.ts";

function wrap(conn: Deno.Conn): Connection {
  return {
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}

/** `caCerts` adds trusted roots (PEM), for tests against a local TLS server. */
export function denoConnect(opts: { caCerts?: string[] } = {}): Connect {
  return async ({ address, port, tls }) => {
    const tcp = await Deno.connect({ hostname: address, port, transport: "tcp" });
    if (!tls) return wrap(tcp);
    try {
      return wrap(await Deno.startTls(tcp, { hostname: tls.serverName, caCerts: opts.caCerts }));
    } catch (err) {
      try {
        tcp.close();
      } catch { /* closed by the failed handshake */ }
      throw err;
    }
  };
}
