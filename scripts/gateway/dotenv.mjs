// supabase/functions/.env (what `supabase functions serve --env-file` reads),
// parsed by Node's own .env parser, the one behind `node --env-file`:
// KEY=VALUE lines, `#` comments, quotes, `export ` prefixes.
import { parseEnv } from "node:util";

export function parseDotenv(text) {
  return parseEnv(text);
}
