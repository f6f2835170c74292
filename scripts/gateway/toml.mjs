// supabase/config.toml, parsed with smol-toml (a full TOML parser: a broken
// file fails naming the file, line and column instead of being half read),
// and the one setting the gateway takes from it.
import { parse, TomlError } from "smol-toml";

export function parseToml(text, file = "config.toml") {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) throw new Error(`${file}:${err.line}:${err.column}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** verify_jwt for one function: true unless config.toml says false (Supabase's default). */
export function verifyJwtFor(config, name) {
  return config?.functions?.[name]?.verify_jwt !== false;
}
