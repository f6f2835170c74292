// The Connect of pinned requests (supabase/functions/_shared/pinned-http.ts)
// for code run under Node (vitest): node:net, and node:tls with the URL's host
// as the server name and the name the certificate is checked against. The
// Edge Runtime's is _shared/deno-connect.ts.
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import type { Connect } from "../../supabase/functions/_shared/pinned-http.ts";

/** `ca` adds trusted roots (PEM), for tests against a local TLS server. */
export function nodeConnect(opts: { ca?: string[] } = {}): Connect {
  return ({ address, port, tls: secure }) => new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({
        host: address, port, ca: opts.ca,
        servername: net.isIP(secure.serverName) ? undefined : secure.serverName,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(secure.serverName, cert),
      })
      : net.connect({ host: address, port });
    socket.once("error", reject);
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.off("error", reject);
      // from here errors reach the reader through the web streams
      socket.on("error", () => {});
      const { readable, writable } = Duplex.toWeb(socket);
      resolve({
        readable: readable as ReadableStream<Uint8Array>,
        writable: writable as WritableStream<Uint8Array>,
        close: () => void socket.destroy(),
      });
    });
  });
}
