// readLimited keeps at most the limit whichever way the body arrives: with a
// declared length (read in one go) or streamed without one.
import { expect, test } from "vitest";
import { readLimited } from "./read-limited.ts";

const streamed = (parts: string[]) =>
  new Response(new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  }));

test("a declared length within the limit is kept whole", async () => {
  const res = new Response("héllo", { headers: { "content-length": "6" } });
  expect(await readLimited(res, 6)).toEqual({ text: "héllo", truncated: false, bytes: 6 });
});

test("a body longer than its declared length is still cut at the limit", async () => {
  const res = new Response("x".repeat(50), { headers: { "content-length": "10" } });
  expect(await readLimited(res, 20)).toEqual({ text: "x".repeat(20), truncated: true, bytes: 20 });
});

test("a declared length over the limit, or none, is streamed and cut at the limit", async () => {
  expect(await readLimited(new Response("y".repeat(30), { headers: { "content-length": "30" } }), 8)).toEqual({ text: "y".repeat(8), truncated: true, bytes: 8 });
  expect(await readLimited(streamed(["abc", "def", "ghi"]), 5)).toEqual({ text: "abcde", truncated: true, bytes: 5 });
  expect(await readLimited(streamed(["abc", "def"]), 6)).toEqual({ text: "abcdef", truncated: false, bytes: 6 });
});

test("no body reads as empty", async () => {
  expect(await readLimited(new Response(null, { status: 204 }), 10)).toEqual({ text: "", truncated: false, bytes: 0 });
});
