// What a watcher takes out of an answer: the items a JSON pointer (RFC 6901)
// or a dotted path picks, each with its dedupe key (a field, or the SHA-256
// of the item's JSON with sorted keys, so the order of its fields does not
// make it new) and its cursor value; or, in mode hash, one hash of the answer.
// Everything that does not match says where and why, as a PollError: the
// poll fails with that message and nothing is recorded as seen.
import { createHash } from "node:crypto";

/** A poll that cannot go on: the message is what the run records. */
export class PollError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PollError";
  }
}

/** The longest key kept as it is; a longer one is kept as sha256:<hex of it> (watcher_seen_items.dedupe_key). */
export const maxKeyLength = 512;
/** What an event's payload holds (tg_events__validate), less room for its key and wrapping. */
export const maxItemBytes = 65_536 - 1_024;

export interface PickedItem {
  key: string;
  item: unknown;
  cursor?: string | number;
}

const utf8 = new TextEncoder();
export const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** JSON with every object's keys sorted: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The tokens of a JSON pointer (/a/b~1c) or a dotted path (a.b); "" is the whole value. */
export function parseLocation(location: string): string[] {
  if (location === "") return [];
  if (location.startsWith("/")) return location.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  return location.split(".");
}

const kindOf = (v: unknown) => v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`;

/** The value at `location`, or why there is none (which step found nothing, and what was there instead). */
export function resolve(value: unknown, location: string): { found: true; value: unknown } | { found: false; why: string } {
  let at: unknown = value;
  const walked: string[] = [];
  for (const token of parseLocation(location)) {
    const where = walked.length ? walked.join(".") : "the value";
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= at.length) {
        return { found: false, why: `${where} is a list of ${at.length}, which has no element ${JSON.stringify(token)}` };
      }
      at = at[Number(token)];
    } else if (at !== null && typeof at === "object") {
      if (!Object.hasOwn(at, token)) {
        const fields = Object.keys(at);
        const shown = fields.slice(0, 10).join(", ") + (fields.length > 10 ? ", …" : "");
        return { found: false, why: `${where} has no field ${JSON.stringify(token)} (${fields.length ? `it has ${shown}` : "it is empty"})` };
      }
      at = (at as Record<string, unknown>)[token];
    } else {
      return { found: false, why: `${where} is ${kindOf(at)}, which has no field ${JSON.stringify(token)}` };
    }
    walked.push(token);
  }
  return { found: true, value: at };
}

/** The answer as JSON, or a PollError saying it is not. */
export function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const start = text.slice(0, 60).replace(/\s+/g, " ");
    throw new PollError(`the answer is not JSON (${err instanceof Error ? err.message : String(err)}); it starts with ${JSON.stringify(start)}`);
  }
}

const keyText = (key: string) => key.length > maxKeyLength ? `sha256:${sha256Hex(key)}` : key;

/**
 * Mode items: the list at `items` (default: the answer itself), each element
 * with its key and cursor value, in the answer's order.
 */
export function pickItems(answer: unknown, opts: { items?: string; key?: string; cursor?: string }): PickedItem[] {
  const at = opts.items ?? "";
  const shown = at === "" ? "the answer" : `items ${at}`;
  const list = resolve(answer, at);
  if (!list.found) throw new PollError(`${shown} matches nothing in the answer: ${list.why}`);
  if (!Array.isArray(list.value)) {
    throw new PollError(`${shown} is ${kindOf(list.value)}, not a list of items (point items at a list, or watch a single value with mode hash)`);
  }
  let cursorKind: string | null = null;
  return list.value.map((item, i) => {
    let key: string;
    if (opts.key === undefined) {
      key = sha256Hex(canonicalJson(item));
    } else {
      const found = resolve(item, opts.key);
      if (!found.found) throw new PollError(`key ${opts.key || '""'}: item ${i} has no value there (${found.why})`);
      const v = found.value;
      if (typeof v === "string") key = keyText(v);
      else if (typeof v === "number" && Number.isFinite(v)) key = String(v);
      else throw new PollError(`key ${opts.key || '""'}: item ${i}'s key is ${kindOf(v)}; a key is a string or a number`);
    }
    const picked: PickedItem = { key, item };
    if (opts.cursor !== undefined) {
      const found = resolve(item, opts.cursor);
      if (!found.found) throw new PollError(`cursor ${opts.cursor || '""'}: item ${i} has no value there (${found.why})`);
      const v = found.value;
      if (typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) {
        throw new PollError(`cursor ${opts.cursor || '""'}: item ${i}'s value is ${kindOf(v)}; a cursor is a number or a string (an ISO 8601 timestamp)`);
      }
      if (cursorKind !== null && typeof v !== cursorKind) {
        throw new PollError(`cursor ${opts.cursor || '""'}: item ${i}'s value is a ${typeof v}, the items before it had ${cursorKind}s`);
      }
      cursorKind = typeof v;
      picked.cursor = v;
    }
    return picked;
  });
}

/** An item an event can carry; one over its size is replaced by a note saying so (its key still goes out). */
export function boundedItem(item: unknown): { item: unknown; omitted: boolean } {
  const bytes = utf8.encode(JSON.stringify(item) ?? "null").length;
  if (bytes <= maxItemBytes) return { item, omitted: false };
  return { item: { omitted: `the item is ${bytes} bytes of JSON, more than an event payload holds (64 KiB); fetch it by its key` }, omitted: true };
}

/** Mode hash: the SHA-256 of the answer's text, or of the JSON value `items` picks (keys sorted). */
export function hashAnswer(text: string, items?: string): string {
  if (items === undefined) return sha256Hex(utf8.encode(text));
  const found = resolve(parseAnswer(text), items);
  if (!found.found) throw new PollError(`items ${items}: matches nothing in the answer: ${found.why}`);
  return sha256Hex(canonicalJson(found.value));
}
