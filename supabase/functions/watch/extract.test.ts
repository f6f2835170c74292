// What a watcher takes out of an answer, without a server: JSON pointers
// (RFC 6901, its own examples) and dotted paths, keys and cursors, hashes
// that ignore the order of fields, and the messages that say where a
// location stopped matching.
import { describe, expect, test } from "vitest";
import { canonicalJson, hashAnswer, maxKeyLength, parseAnswer, parseLocation, pickItems, PollError, resolve, sha256Hex } from "./extract.ts";

describe("locations", () => {
  // RFC 6901, section 5
  const doc = { foo: ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8 };
  test.each([
    ["", doc], ["/foo", ["bar", "baz"]], ["/foo/0", "bar"], ["/", 0], ["/a~1b", 1], ["/c%d", 2], ["/e^f", 3],
    ["/g|h", 4], ["/i\\j", 5], ["/k\"l", 6], ["/ ", 7], ["/m~0n", 8],
  ])("the RFC's pointer %j", (pointer, expected) => {
    expect(resolve(doc, pointer)).toEqual({ found: true, value: expected });
  });

  test("a dotted path walks objects and list indexes", () => {
    expect(parseLocation("data.items.0")).toEqual(["data", "items", "0"]);
    expect(resolve({ data: { items: [{ id: 7 }] } }, "data.items.0.id")).toEqual({ found: true, value: 7 });
  });

  test("a location that matches nothing says where it stopped and what was there", () => {
    expect(resolve({ data: { orders: [], total: 0 } }, "/data/items")).toEqual({ found: false, why: 'data has no field "items" (it has orders, total)' });
    expect(resolve({ data: [1, 2] }, "data.5")).toEqual({ found: false, why: 'data is a list of 2, which has no element "5"' });
    expect(resolve({ data: [1] }, "/data/01")).toMatchObject({ found: false });
    expect(resolve({ data: "x" }, "data.y")).toEqual({ found: false, why: 'data is a string, which has no field "y"' });
    expect(resolve({}, "/x")).toEqual({ found: false, why: 'the value has no field "x" (it is empty)' });
  });
});

describe("items", () => {
  const answer = { orders: [{ id: 2, at: "2030-01-02", total: 5 }, { id: "a", at: "2030-01-01", total: 6 }] };

  test("each item of the list, in the answer's order, with its key and cursor", () => {
    expect(pickItems(answer, { items: "/orders", key: "id", cursor: "at" })).toEqual([
      { key: "2", item: answer.orders[0], cursor: "2030-01-02" },
      { key: "a", item: answer.orders[1], cursor: "2030-01-01" },
    ]);
  });

  test("without a key field, the key is the SHA-256 of the item's JSON with sorted keys", () => {
    const [a] = pickItems([{ b: 1, a: { d: 2, c: 3 } }], {});
    const [b] = pickItems([{ a: { c: 3, d: 2 }, b: 1 }], {});
    expect(a.key).toBe(b.key);
    expect(a.key).toBe(sha256Hex('{"a":{"c":3,"d":2},"b":1}'));
    expect(canonicalJson({ z: [{ y: 1, x: null }], a: "é" })).toBe('{"a":"é","z":[{"x":null,"y":1}]}');
  });

  test("a key longer than a seen-set key is kept as its hash; a key of a string list can be the item itself", () => {
    const long = "k".repeat(maxKeyLength + 1);
    expect(pickItems([{ id: long }], { key: "id" })[0].key).toBe(`sha256:${sha256Hex(long)}`);
    expect(pickItems(["https://a.example/1", "https://a.example/2"], { key: "" }).map((p) => p.key)).toEqual(["https://a.example/1", "https://a.example/2"]);
  });

  test("what does not match is a PollError naming the location and the item", () => {
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(PollError);
        return (err as Error).message;
      }
      throw new Error("no error");
    };
    expect(bad(() => pickItems(answer, { items: "/order" }))).toBe('items /order matches nothing in the answer: the value has no field "order" (it has orders)');
    expect(bad(() => pickItems(answer, {}))).toMatch(/^the answer is an object, not a list of items/);
    expect(bad(() => pickItems(answer, { items: "/orders", key: "uuid" }))).toMatch(/^key uuid: item 0 has no value there \(the value has no field "uuid"/);
    expect(bad(() => pickItems([{ id: { n: 1 } }], { key: "id" }))).toBe("key id: item 0's key is an object; a key is a string or a number");
    expect(bad(() => pickItems([{ at: 1 }, { at: "x" }], { cursor: "at" }))).toBe("cursor at: item 1's value is a string, the items before it had numbers");
    expect(bad(() => pickItems([{ at: null }], { cursor: "at" }))).toMatch(/^cursor at: item 0's value is null/);
    expect(bad(() => parseAnswer("<html>oops</html>"))).toMatch(/^the answer is not JSON \(.*\); it starts with "<html>oops<\/html>"$/);
  });
});

describe("hash", () => {
  test("the raw answer, or the JSON value items picks regardless of field order", () => {
    expect(hashAnswer("<h1>hi</h1>")).toBe(sha256Hex("<h1>hi</h1>"));
    expect(hashAnswer('{"price": {"b": 1, "a": 2}, "now": 1}', "/price")).toBe(hashAnswer('{"now": 2, "price": {"a": 2, "b": 1}}', "/price"));
    expect(() => hashAnswer('{"now": 2}', "/price")).toThrow(PollError);
  });
});
