// Just enough TOML to read `[functions.<name>] verify_jwt = false` and friends
// from supabase/config.toml: tables, and string/boolean/number values.
// Anything else is skipped, never guessed.

function unquote(key) {
  const k = key.trim();
  return /^".*"$/.test(k) || /^'.*'$/.test(k) ? k.slice(1, -1) : k;
}

function splitDotted(path) {
  const parts = [];
  let current = "";
  let quote = null;
  for (const ch of path) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ".") {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}

function parseValue(raw) {
  const v = raw.trim();
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^[+-]?\d+(\.\d+)?$/.test(v)) return Number(v);
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(v) ?? /^'([^']*)'$/.exec(v);
  if (m) return m[1];
  return undefined;
}

function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

export function parseToml(text) {
  const root = {};
  let table = root;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = stripComment(rawLine).trim();
    if (!line) continue;
    const header = /^\[([^\[\]]+)\]$/.exec(line);
    if (header) {
      table = root;
      for (const part of splitDotted(header[1])) table = table[part] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || line.startsWith("[[")) continue;
    const value = parseValue(line.slice(eq + 1));
    if (value !== undefined) table[unquote(line.slice(0, eq))] = value;
  }
  return root;
}

/** verify_jwt for one function: true unless config.toml says false (Supabase's default). */
export function verifyJwtFor(config, name) {
  return config?.functions?.[name]?.verify_jwt !== false;
}
