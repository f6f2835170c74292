// Reads a response body up to a byte limit, for what an action keeps of an
// answer (http's max_response_bytes, a webhook's reply): at most the limit is
// kept, a streamed body is cancelled there, and the result says whether it
// was cut.
const utf8 = new TextDecoder();

/** Reads at most `limit` bytes of a body; says whether it was cut. */
export async function readLimited(response: Pick<Response, "body" | "headers" | "arrayBuffer">, limit: number): Promise<{ text: string; truncated: boolean; bytes: number }> {
  if (!response.body) return { text: "", truncated: false, bytes: 0 };
  // a declared length within the limit is read in one go: HTTP framing stops
  // the body at that length, and the stream reader costs far more per small body
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isInteger(declared) && declared >= 0 && declared <= limit) {
    const all = new Uint8Array(await response.arrayBuffer());
    if (all.length <= limit) return { text: utf8.decode(all), truncated: false, bytes: all.length };
    return { text: utf8.decode(all.subarray(0, limit)), truncated: true, bytes: limit };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > limit) {
      chunks.push(value.slice(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return { text: utf8.decode(all), truncated, bytes: size };
}
