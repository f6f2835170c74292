// One HTTP/1.1 request over a connection to an address the SSRF guard has
// already checked, so DNS cannot answer differently between the check and the
// connection (DNS rebinding). The URL's host still goes out as `Host` and, for
// https, as the TLS server name the certificate is verified against.
//
// fetch cannot be pinned on the Edge Runtime: it resolves the name itself and
// has no resolver or connect hook there (its Deno.createHttpClient takes
// `allowHost`, which would pin plain http by calling the IP with a Host
// header, but https to an IP verifies the certificate against the IP; the tcp
// proxy transport of newer Deno is not in it; node:http's `lookup` option
// throws "not implemented" and `createConnection` is ignored). Deno.connect and
// Deno.startTls are there, and take the address and the server name apart, so
// the request is written on them here. One connection per request
// (`connection: close`), no HTTP/2; gzip and deflate bodies are decoded.

/** A byte stream to a server: TCP, or TLS over TCP. */
export interface Connection {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): void;
}

/** Where to connect: an IP address (never a name), its port, and for TLS the name the certificate must carry. */
export interface ConnectTarget {
  address: string;
  port: number;
  tls: { serverName: string } | null;
}

export type Connect = (target: ConnectTarget) => Promise<Connection>;

export interface PinnedInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
const crlfcrlf = encoder.encode("\r\n\r\n");
const crlf = encoder.encode("\r\n");
const maxHead = 64 * 1024;
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// what the client frames itself; a task's own value for these is dropped
const managed = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "proxy-connection"]);

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** ISO-8859-1, as header bytes are read. */
const latin1 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
};

/** A reader that keeps what was read past a boundary. */
class Input {
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>, private readonly signal?: AbortSignal) {}

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const { done, value } = await this.reader.read();
    this.signal?.throwIfAborted();
    if (done) {
      this.#eof = true;
      return false;
    }
    if (this.#buf.length === 0) this.#buf = value;
    else {
      const joined = new Uint8Array(this.#buf.length + value.length);
      joined.set(this.#buf);
      joined.set(value, this.#buf.length);
      this.#buf = joined;
    }
    return true;
  }

  /** The bytes up to `delimiter` (dropped), or null if the stream ends first. */
  async until(delimiter: Uint8Array, max: number, what: string): Promise<Uint8Array | null> {
    let from = 0;
    for (;;) {
      const at = indexOf(this.#buf, delimiter, from);
      if (at > max) throw new TypeError(`the server's ${what} is longer than ${max} bytes`);
      if (at >= 0) {
        const line = this.#buf.subarray(0, at);
        this.#buf = this.#buf.subarray(at + delimiter.length);
        return line;
      }
      if (this.#buf.length > max) throw new TypeError(`the server's ${what} is longer than ${max} bytes`);
      from = Math.max(0, this.#buf.length - delimiter.length + 1);
      if (!(await this.#fill())) return null;
    }
  }

  /** Up to `n` bytes (at least one), or null at the end of the stream. */
  async take(n: number): Promise<Uint8Array | null> {
    if (this.#buf.length === 0 && !(await this.#fill())) return null;
    const out = this.#buf.subarray(0, Math.min(n, this.#buf.length));
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }

  async exactly(n: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let got = 0; got < n;) {
      const part = await this.take(n - got);
      if (!part) throw new TypeError(`the connection closed in the ${what}`);
      out.set(part, got);
      got += part.length;
    }
    return out;
  }
}

interface Head {
  status: number;
  statusText: string;
  headers: Headers;
}

async function readHead(input: Input): Promise<Head> {
  const raw = await input.until(crlfcrlf, maxHead, "response header");
  if (!raw) throw new TypeError("the connection closed before a response");
  const [statusLine, ...lines] = latin1(raw).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new TypeError(`not an HTTP/1.1 response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers = new Headers();
  for (const line of lines) {
    if (/^[ \t]/.test(line)) throw new TypeError("the response folds a header over lines (obs-fold)");
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    if (colon <= 0 || !token.test(name)) throw new TypeError(`a response header line does not parse: ${JSON.stringify(line.slice(0, 80))}`);
    headers.append(name, line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers };
}

/** The body as the framing of RFC 9112 § 6.3 delimits it. */
function bodyStream(input: Input, head: Head, done: () => void): ReadableStream<Uint8Array> {
  const te = head.headers.get("transfer-encoding");
  const chunked = te !== null && te.split(",").pop()!.trim().toLowerCase() === "chunked";
  const cl = head.headers.get("content-length");
  let remaining = Infinity; // bytes left of a sized body or of the current chunk
  if (te === null && cl !== null) {
    const lengths = new Set(cl.split(",").map((v) => v.trim()));
    const [only] = lengths;
    if (lengths.size !== 1 || !/^\d+$/.test(only)) throw new TypeError(`the response's content-length does not parse: ${cl}`);
    remaining = Number(only);
  }
  let inChunk = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (chunked) {
          if (!inChunk) {
            const line = await input.until(crlf, 4096, "chunk size");
            if (line === null) throw new TypeError("the connection closed in a chunked body");
            const size = /^([0-9a-fA-F]{1,15})[ \t]*(?:;.*)?$/.exec(latin1(line));
            if (!size) throw new TypeError(`a chunk size does not parse: ${JSON.stringify(latin1(line).slice(0, 40))}`);
            remaining = parseInt(size[1], 16);
            if (remaining === 0) {
              // trailers, up to the empty line
              while (((await input.until(crlf, maxHead, "trailer")) ?? new Uint8Array(0)).length > 0);
              controller.close();
              return done();
            }
            inChunk = true;
          }
          const part = await input.take(remaining);
          if (!part) throw new TypeError("the connection closed in a chunked body");
          remaining -= part.length;
          if (remaining === 0) {
            await input.exactly(2, "chunked body");
            inChunk = false;
          }
          return controller.enqueue(part);
        }
        if (remaining === 0) {
          controller.close();
          return done();
        }
        const part = await input.take(remaining === Infinity ? 65536 : remaining);
        if (!part) {
          if (remaining !== Infinity) throw new TypeError(`the connection closed ${remaining} bytes before the end of the body (content-length)`);
          controller.close();
          return done();
        }
        if (remaining !== Infinity) remaining -= part.length;
        controller.enqueue(part);
      } catch (err) {
        done();
        throw err;
      }
    },
    cancel: () => done(),
  });
}

function requestHead(url: URL, method: string, init: PinnedInit, body: Uint8Array | undefined): Uint8Array {
  const headers = new Headers(init.headers); // refuses CR, LF and NUL in names and values
  for (const name of managed) headers.delete(name);
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "gzip, deflate");
  let head = `${method} ${url.pathname || "/"}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n`;
  if (body !== undefined || ["POST", "PUT", "PATCH"].includes(method)) head += `content-length: ${body?.length ?? 0}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  const bytes = new Uint8Array(head.length + 2);
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    // header values are ByteStrings: a character above U+00FF is refused, as fetch refuses it
    if (c > 0xff) throw new TypeError("a request header holds a character that is not ISO-8859-1");
    bytes[i] = c;
  }
  bytes.set(crlf, head.length);
  return bytes;
}

/**
 * The request to `url`, sent to the first of `addresses` that accepts a
 * connection (never a name: nothing is resolved here). Answers like fetch
 * with `redirect: "manual"`: a Response whose body streams from the socket.
 */
export async function pinnedRequest(connect: Connect, url: URL, addresses: string[], init: PinnedInit = {}): Promise<Response> {
  const { signal } = init;
  signal?.throwIfAborted();
  const method = (init.method ?? "GET").toUpperCase();
  if (!token.test(method)) throw new TypeError(`not an HTTP method: ${method}`);
  const body = typeof init.body === "string" ? encoder.encode(init.body) : init.body;
  const head = requestHead(url, method, init, body);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const tls = url.protocol === "https:" ? { serverName: url.hostname.replace(/^\[|\]$/g, "") } : null;

  let conn: Connection | undefined;
  const failures: string[] = [];
  for (const [i, address] of addresses.entries()) {
    try {
      // an address that does not answer (an IPv6 route that goes nowhere) gives
      // way to the next after a few seconds; the last one has the whole timeout
      const last = i === addresses.length - 1;
      const attempt = last ? signal : anySignal(signal, AbortSignal.timeout(connectTimeoutMs));
      conn = await abortable(connect({ address, port, tls }), attempt, (c) => c.close());
      break;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      failures.push(`${address}: ${err instanceof DOMException && err.name === "TimeoutError" ? `no answer within ${connectTimeoutMs / 1000} s` : err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!conn) throw new TypeError(`could not connect to ${url.host} (${failures.join("; ")})`);
  const connection = conn;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener("abort", close);
    try {
      connection.close();
    } catch { /* already closed */ }
  };
  signal?.addEventListener("abort", close, { once: true });
  try {
    const writer = connection.writable.getWriter();
    await writer.write(head);
    if (body && body.length > 0) await writer.write(body);
    writer.releaseLock();
    const input = new Input(connection.readable.getReader(), signal);
    let response: Head;
    // informational answers (100 Continue, 103 Early Hints) come before the real one
    do response = await readHead(input); while (response.status >= 100 && response.status < 200 && response.status !== 101);
    const { status, headers } = response;
    if (status < 200 || status > 599) throw new TypeError(`the server answered status ${status}`);
    const bodiless = method === "HEAD" || status === 204 || status === 205 || status === 304;
    if (bodiless) close();
    let stream = bodiless ? null : bodyStream(input, response, close);
    const coding = headers.get("content-encoding")?.trim().toLowerCase();
    if (stream && (coding === "gzip" || coding === "x-gzip" || coding === "deflate")) {
      stream = stream.pipeThrough(new DecompressionStream(coding === "deflate" ? "deflate" : "gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
      // the declared length is the encoded one; readers must not trust it for the decoded body
      headers.delete("content-length");
    }
    let statusText = response.statusText;
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(statusText)) statusText = "";
    return new Response(stream, { status, statusText, headers });
  } catch (err) {
    close();
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

const connectTimeoutMs = 5_000;

/** A signal that aborts with the first of `a` (may be absent) and `b`. */
function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

/** `work`, unless `signal` aborts first; what arrives after an abort is disposed of. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, dispose: (value: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then((value) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) dispose(value);
      else resolve(value);
    }, (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(err);
    });
  });
}
