// supabase/functions/.env: KEY=VALUE lines, `#` comments, optional quotes,
// `export ` prefixes, as `supabase functions serve --env-file` reads them.
export function parseDotenv(text) {
  const env = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    const quoted = /^"([\s\S]*)"$/.exec(value) ?? /^'([\s\S]*)'$/.exec(value);
    if (quoted) value = value.startsWith('"') ? quoted[1].replace(/\\n/g, "\n").replace(/\\"/g, '"') : quoted[1];
    else value = value.replace(/\s+#.*$/, "");
    env[m[1]] = value;
  }
  return env;
}
