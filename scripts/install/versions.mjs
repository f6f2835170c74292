// Migration versions for the scheduler's migrations in a project: after the
// project's latest, and not before now, so they sort after everything the
// project has and the project's next `supabase migration new` sorts after them.

const pad = (n, w = 2) => String(n).padStart(w, "0");
const format = (d) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;

function parse14(v) {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return format(d) === v ? d : null;
}

/** The version of a migration file name (`<version>_<name>.sql`), or null. */
export function versionOf(file) {
  return /^(\d+)_.*\.sql$/.exec(file)?.[1] ?? null;
}

/** `count` increasing versions, each after every one in `existing` and none before `now`. */
export function nextVersions(existing, count, now = new Date()) {
  const latest = existing.map((v) => BigInt(v)).reduce((a, b) => (b > a ? b : a), 0n);
  const nowVersion = format(now);
  let start;
  if (BigInt(nowVersion) > latest) start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  else start = parse14(String(latest)) ? new Date(parse14(String(latest)).getTime() + 1000) : null;
  if (start) return Array.from({ length: count }, (_, i) => format(new Date(start.getTime() + i * 1000)));
  // the project's versions are not timestamps: count on from its latest
  return Array.from({ length: count }, (_, i) => String(latest + 1n + BigInt(i)));
}
