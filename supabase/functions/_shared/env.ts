// Env is parsed once, at start, and missing configuration fails loudly with
// the names of what is missing, instead of surfacing later as `undefined`.
import { z } from "zod";

export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid function configuration: ${problems}. Set these with \`supabase secrets set\` (locally: supabase/functions/.env)`);
  }
  return parsed.data;
}

export const PlatformEnv = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
});

/** Deno.env as a plain object (called from index.ts only, never at import time of a handler). */
export function readDenoEnv(): Record<string, string> {
  return (globalThis as unknown as { Deno: { env: { toObject(): Record<string, string> } } }).Deno.env.toObject();
}
