// Merging the scheduler's settings into a project's supabase/config.toml
// without removing or reordering anything the project has: the file is only
// ever added to, as text, at two kinds of place:
//   - one block appended at the end: a `[functions.<name>]` table per
//     installed function (verify_jwt and the rest, as this package sets them);
//   - "scheduler" added to `[api] schemas`, after the project's own entries
//     (or the key or the table added when the project has none).
// smol-toml parses the file before and after: the result must read as the
// project's settings plus exactly these, or nothing is written. Every insert
// is recorded, so uninstall takes out exactly what install put in.
import { parse, stringify } from "smol-toml";

export const blockStart = "# >>> supabase-task-scheduler: its Edge Functions (added by `supabase-task-scheduler install`, removed by `uninstall`)";
export const blockEnd = "# <<< supabase-task-scheduler";
const blockNote = "# Each of them checks its caller itself, so verify_jwt is off (the scheduler's README, \"Which keys the functions accept\").";

const defaultApiSchemas = ["public", "graphql_public"];

function parseOrThrow(text, what) {
  try {
    return parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid TOML${err.line ? ` (line ${err.line}, column ${err.column})` : ""}: ${err.message.split("\n")[0]}`);
  }
}

/** Start offsets and names of the table headers (`[a.b]`, `[[a]]`) of a TOML text, skipping strings, comments and arrays. */
function tableHeaders(text) {
  const headers = [];
  let i = 0;
  let lineStart = true;
  let depth = 0; // brackets open in a value (a multi-line array)
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") { lineStart = true; i++; continue; }
    if (lineStart && (c === " " || c === "\t")) { i++; continue; }
    if (c === "#") { while (i < text.length && text[i] !== "\n") i++; continue; }
    if (lineStart && depth === 0 && c === "[") {
      const end = text.indexOf("\n", i);
      const lineEnd = end === -1 ? text.length : end;
      const m = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(text.slice(i, lineEnd));
      if (m) headers.push({ start: i, lineEnd, name: m[1].replace(/\s*\.\s*/g, ".").replace(/"/g, "") });
      lineStart = false;
      i = lineEnd;
      continue;
    }
    lineStart = false;
    if (c === '"' || c === "'") { i = skipString(text, i); continue; }
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    i++;
  }
  return headers;
}

/** The offset just past the string starting at `i` (basic, literal, or either multi-line kind). */
function skipString(text, i) {
  const q = text[i];
  const triple = text.startsWith(q.repeat(3), i);
  if (triple) {
    const end = text.indexOf(q.repeat(3), i + 3);
    return end === -1 ? text.length : end + 3;
  }
  let j = i + 1;
  while (j < text.length && text[j] !== q && text[j] !== "\n") {
    if (q === '"' && text[j] === "\\") j++;
    j++;
  }
  return j + 1;
}

/**
 * Where to add `value` to the array `schemas = [...]` in the text range
 * [from, to): the offset just past its last element, and whether it has any.
 * Null when the key is not there.
 */
function locateSchemasArray(text, from, to) {
  const region = text.slice(from, to);
  const m = /^[ \t]*schemas[ \t]*=[ \t]*\[/m.exec(region);
  if (!m) return null;
  let i = from + m.index + m[0].length;
  let lastElementEnd = null;
  while (i < to) {
    const c = text[i];
    if (c === "]") return { afterLast: lastElementEnd, open: from + m.index + m[0].length, close: i };
    if (c === "#") { while (i < to && text[i] !== "\n") i++; continue; }
    if (c === '"' || c === "'") { i = skipString(text, i); lastElementEnd = i; continue; }
    if (/[\s,]/.test(c)) { i++; continue; }
    // a bare value: not a string, so not a schema list this code understands
    return { unsupported: true };
  }
  return { unsupported: true };
}

/**
 * The edits that add `functions` (name → settings) and `apiSchemas` to a
 * config.toml text. Returns { edits: [{ at, text }], added: { functions,
 * apiSchemas } } or throws, saying what to add by hand, when the file is laid
 * out in a way these edits cannot extend safely.
 */
export function planConfigEdits(text, { functions, apiSchemas }) {
  const before = parseOrThrow(text, "supabase/config.toml");
  const edits = [];
  const taken = Object.keys(functions).filter((name) => before.functions?.[name] !== undefined);
  if (taken.length) throw new Error(`supabase/config.toml already has [functions.${taken[0]}]`);

  // [api] schemas
  const have = before.api?.schemas;
  if (have !== undefined && !(Array.isArray(have) && have.every((s) => typeof s === "string"))) {
    throw new Error(`[api] schemas is not a list of strings this installer can extend; add ${apiSchemas.map((s) => `"${s}"`).join(", ")} to \`schemas\` under [api] in supabase/config.toml yourself`);
  }
  const missing = apiSchemas.filter((s) => !(have ?? defaultApiSchemas).includes(s));
  const manual = `add ${missing.map((s) => `"${s}"`).join(", ")} to \`schemas\` under [api] in supabase/config.toml yourself, or leave it out (only supabase-js needs it, and hosted projects set it in the dashboard)`;
  let apiBlock = "";
  if (missing.length) {
    const headers = tableHeaders(text);
    const api = headers.findIndex((h) => h.name === "api");
    if (api === -1) {
      if (before.api !== undefined) throw new Error(`[api] is set without an [api] table header; ${manual}`);
      apiBlock = `\n${stringify({ api: { schemas: [...defaultApiSchemas, ...missing] } }).trim()}\n`;
    } else {
      const from = headers[api].lineEnd;
      const to = headers[api + 1]?.start ?? text.length;
      const found = locateSchemasArray(text, from, to);
      if (found?.unsupported) throw new Error(`[api] schemas is not a list of strings this installer can extend; ${manual}`);
      if (found === null) {
        if (have !== undefined) throw new Error(`[api] schemas is set in a way this installer cannot find; ${manual}`);
        edits.push({ at: from + 1, text: `${stringify({ schemas: [...defaultApiSchemas, ...missing] }).trim()}\n` });
      } else {
        const list = missing.map((s) => JSON.stringify(s)).join(", ");
        edits.push(found.afterLast === null ? { at: found.open, text: list } : { at: found.afterLast, text: `, ${list}` });
      }
    }
  }

  // the functions' tables, in one block at the end
  const tables = Object.entries(functions).map(([name, settings]) =>
    `${stringify({ functions: { [name]: settings } }).trim()}\n`);
  if (tables.length || apiBlock) {
    const lead = text === "" || text.endsWith("\n") ? "\n" : "\n\n";
    const body = [apiBlock.trim() ? `${apiBlock.trim()}\n` : "", ...tables].filter(Boolean).join("\n");
    edits.push({ at: text.length, text: `${lead}${blockStart}\n${blockNote}\n${body}${blockEnd}\n` });
  }

  const after = applyEdits(text, edits);
  const parsedAfter = parseOrThrow(after, "supabase/config.toml as merged");
  // the merge must read as the project's settings plus exactly ours
  const expected = structuredClone(before);
  if (Object.keys(functions).length) expected.functions = { ...(expected.functions ?? {}), ...functions };
  if (missing.length) expected.api = { ...(expected.api ?? {}), schemas: [...(have ?? defaultApiSchemas), ...missing] };
  if (!sameToml(parsedAfter, expected)) throw new Error(`merging into supabase/config.toml would change more than it adds; ${manual}, and add the [functions.<name>] tables by hand`);
  return { edits, text: after, added: { functions: Object.keys(functions), apiSchemas: missing } };
}

function sameToml(a, b) {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object" && !(v instanceof Date)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v instanceof Date ? v.toISOString() : v;
}

/** Applies edits given as offsets into the original text. */
export function applyEdits(text, edits) {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

/**
 * Takes the edits back out of a text they were applied to. Where the text
 * has changed around them since, each edit's exact text is looked for once
 * on its own; what cannot be found is returned in `left` for the user.
 */
export function revertEdits(text, edits) {
  const sorted = [...edits].sort((a, b) => a.at - b.at);
  let shift = 0;
  const placed = sorted.map((e) => {
    const at = e.at + shift;
    shift += e.text.length;
    return { ...e, now: at };
  });
  if (placed.every((e) => text.slice(e.now, e.now + e.text.length) === e.text)) {
    let out = text;
    for (const e of placed.reverse()) out = out.slice(0, e.now) + out.slice(e.now + e.text.length);
    return { text: out, left: [] };
  }
  let out = text;
  const left = [];
  for (const e of sorted.reverse()) {
    const first = out.indexOf(e.text);
    if (first !== -1 && out.indexOf(e.text, first + 1) === -1) out = out.slice(0, first) + out.slice(first + e.text.length);
    else left.push(e.text);
  }
  return { text: out, left };
}
