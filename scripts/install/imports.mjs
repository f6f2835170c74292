// The relative imports of the scheduler's TypeScript: found to learn which
// files a function needs (its import closure), and rewritten when install
// places a folder under another name (`../../../shared/x.ts` becomes
// `../../../scheduler-shared/x.ts`). Bare specifiers (`zod`) and URLs are
// left alone: the functions' deno.json maps them.
import path from "node:path";

// import … from "x"; export … from "x"; import "x"; import("x"). Type-only
// imports count: `deno check` needs those files too.
const specifierPattern = /(\b(?:import|export)\b[^"'`;]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;

const isRelative = (spec) => spec.startsWith("./") || spec.startsWith("../");

/** The relative specifiers of a module's source, in order. */
export function relativeImports(source) {
  const found = [];
  for (const m of source.matchAll(specifierPattern)) if (isRelative(m[3])) found.push(m[3]);
  return found;
}

/**
 * `source` with each relative specifier passed through `rewrite(spec)`;
 * a specifier `rewrite` returns unchanged keeps its exact text.
 */
export function rewriteImports(source, rewrite) {
  return source.replace(specifierPattern, (whole, lead, quote, spec) => {
    if (!isRelative(spec)) return whole;
    const next = rewrite(spec);
    return next === spec ? whole : `${lead}${quote}${next}${quote}`;
  });
}

/** A POSIX relative specifier from the folder `fromDir` to `toFile` (both relative to one root). */
export function specifierBetween(fromDir, toFile) {
  const rel = path.posix.relative(fromDir, toFile);
  return rel.startsWith("../") ? rel : `./${rel}`;
}
