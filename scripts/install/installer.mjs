// `install`, `upgrade` and `uninstall`: adding the scheduler to a Supabase
// project, as files the project then owns and deploys like its own.
//
// What is added:
//   - every Edge Function of this package (supabase/functions/<name>/ with an
//     index.ts) and the files they import (their import closure: the Deno
//     shared code in supabase/functions/_shared/ and the pure TypeScript in
//     shared/), each with its deno.json;
//   - this package's migrations, in their order, as new files timestamped
//     after the project's own;
//   - config.toml: a [functions.<name>] table per function, and the
//     scheduler's schema in [api] schemas (config-toml.mjs);
//   - supabase/task-scheduler.json, the record of all that (manifest.mjs).
//
// Nothing of the project's is changed or overwritten. Each folder this
// package would add is a "part" with a name: a function's (`notify`), the
// Deno shared code's (`_shared`), the pure TypeScript's (`shared`). A name the
// project already uses (a folder or file of that name, or a [functions.<name>]
// table) is taken; the part then goes under `scheduler-<name>`
// (`_scheduler_shared` for the Deno shared code), or the user picks one with
// `--name <part>=<name>`. Imports between the parts are rewritten for the
// names chosen; the dispatcher learns the action functions' names from
// dispatcher/action-functions.ts, which install writes, and the database
// learns the dispatcher's from its migrations (`/functions/v1/<name>`).
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { packageInfo, packageRoot } from "../lib/project.mjs";
import { applyEdits, planConfigEdits, revertEdits } from "./config-toml.mjs";
import { relativeImports, rewriteImports, specifierBetween } from "./imports.mjs";
import { manifestPath, manifestText, readManifest, sha256 } from "./manifest.mjs";
import { nextVersions, versionOf } from "./versions.mjs";

export class InstallError extends Error {}

const posix = path.posix;
const functionsBase = "supabase/functions";
const migrationsBase = "supabase/migrations";
const supabaseDefaultSchemas = new Set(["public", "graphql_public"]);
const moduleFile = /\.(ts|tsx|mts|js|mjs|jsx)$/;
const actionFunctionsFile = "action-functions.ts";

const read = (root, rel) => fs.readFileSync(path.join(root, ...rel.split("/")));
const exists = (root, rel) => fs.existsSync(path.join(root, ...rel.split("/")));

// ---------------------------------------------------------------- the package

/** This package's Edge Functions: folders of supabase/functions with an index.ts. */
function packageFunctions() {
  const dir = path.join(packageRoot, functionsBase);
  return fs.readdirSync(dir)
    .filter((n) => !n.startsWith("_") && !n.startsWith(".") && fs.existsSync(path.join(dir, n, "index.ts")))
    .sort();
}

/** The part a package file belongs to: a folder of supabase/functions, or a top-level folder. */
function partOf(rel) {
  const segments = rel.split("/");
  if (rel.startsWith(`${functionsBase}/`) && segments.length > 3) {
    const key = segments[2];
    return { key, kind: key.startsWith("_") ? "functions-shared" : "function", base: `${functionsBase}/${key}` };
  }
  if (segments.length > 1 && segments[0] !== "supabase") return { key: segments[0], kind: "root", base: segments[0] };
  throw new InstallError(`the scheduler's functions import ${rel}, which install does not know where to put`);
}

const partBase = (part, name) => (part.kind === "root" ? name : `${functionsBase}/${name}`);

function fallbackName(part) {
  if (part.kind === "functions-shared") return `_scheduler${part.key}`;
  return `scheduler-${part.key}`;
}

/** Every file the functions need: each index.ts and what it imports, transitively, and each function's deno.json. */
function packageFiles(functions) {
  const files = new Set();
  const queue = functions.map((fn) => `${functionsBase}/${fn}/index.ts`);
  for (const fn of functions) {
    for (const config of ["deno.json", "deno.jsonc"]) if (exists(packageRoot, `${functionsBase}/${fn}/${config}`)) files.add(`${functionsBase}/${fn}/${config}`);
  }
  while (queue.length) {
    const rel = queue.shift();
    if (files.has(rel)) continue;
    if (!exists(packageRoot, rel)) throw new InstallError(`the scheduler's functions import ${rel}, which this package does not have`);
    files.add(rel);
    if (!moduleFile.test(rel)) continue;
    for (const spec of relativeImports(read(packageRoot, rel).toString("utf8"))) {
      const target = posix.normalize(posix.join(posix.dirname(rel), spec));
      if (target.startsWith("../")) throw new InstallError(`${rel} imports ${spec}, outside this package`);
      queue.push(target);
    }
  }
  return [...files].sort();
}

/** This package's migrations, in order: an opaque list of files. */
function packageMigrations() {
  const dir = path.join(packageRoot, migrationsBase);
  return fs.readdirSync(dir).filter((f) => versionOf(f) !== null).sort().map((file) => {
    const content = fs.readFileSync(path.join(dir, file));
    return { source: file, sourceSha256: sha256(content), content };
  });
}

function packageConfig() {
  return parse(fs.readFileSync(path.join(packageRoot, "supabase/config.toml"), "utf8"));
}

// ---------------------------------------------------------------- the project

/** What the project has, to know which names are taken. */
function projectState(root) {
  const configFile = path.join(root, "supabase/config.toml");
  if (!fs.existsSync(configFile)) throw new InstallError(`no supabase/config.toml in ${root}: run this from your Supabase project's folder (\`supabase init\` creates it)`);
  const configText = fs.readFileSync(configFile, "utf8");
  let config;
  try {
    config = parse(configText);
  } catch (err) {
    throw new InstallError(`supabase/config.toml is not valid TOML: ${err.message.split("\n")[0]}`);
  }
  const migrationsDir = path.join(root, migrationsBase);
  const migrations = fs.existsSync(migrationsDir) ? fs.readdirSync(migrationsDir).filter((f) => versionOf(f) !== null) : [];
  return { configText, config, migrations };
}

/** Why `name` cannot be used for `part` in the project, or null when it can. */
function takenBecause(root, state, part, name, owned) {
  const base = partBase(part, name);
  if (exists(root, base) && !owned.has(base)) return `${base}${part.kind === "root" ? "/" : ""} is the project's own`;
  if (part.kind === "function" && state.config.functions?.[name] !== undefined && !owned.has(`config:${name}`)) {
    return `supabase/config.toml already has [functions.${name}]`;
  }
  return null;
}

function checkName(part, name) {
  const ok = part.kind === "function" ? /^[A-Za-z][A-Za-z0-9_-]*$/.test(name)
    : part.kind === "functions-shared" ? /^_[A-Za-z0-9_-]+$/.test(name)
    : /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !["supabase", "node_modules"].includes(name);
  if (ok) return;
  const rule = part.kind === "function" ? "a function name: a letter, then letters, digits, - or _"
    : part.kind === "functions-shared" ? "a folder of supabase/functions that is not a function: it must start with _"
    : "a top-level folder name (not supabase or node_modules)";
  throw new InstallError(`--name ${part.key}=${name}: not ${rule}`);
}

// ---------------------------------------------------------------- the plan

/**
 * Everything install (or upgrade, given the installed manifest) would write,
 * computed before anything is written: the names, each file's content, the
 * migrations, the config.toml edits.
 */
export function planInstall(root, { requested = {}, previous = null, now = new Date() } = {}) {
  const state = projectState(root);
  const functions = packageFunctions();
  const files = packageFiles(functions);
  const parts = new Map();
  for (const rel of files) {
    const part = partOf(rel);
    parts.set(part.key, part);
  }
  for (const key of Object.keys(requested)) {
    if (!parts.has(key)) throw new InstallError(`--name ${key}=…: the scheduler has no part called ${key}; its parts are ${[...parts.keys()].join(", ")}`);
  }

  // names: kept from the installed copy, asked for, or the first free one
  const owned = new Set();
  for (const [key, name] of Object.entries(previous?.names ?? {})) {
    const part = parts.get(key);
    if (!part) continue;
    owned.add(partBase(part, name));
    if (part.kind === "function") owned.add(`config:${name}`);
  }
  const names = {};
  const notes = [];
  const used = new Set();
  for (const part of parts.values()) {
    const kept = previous?.names?.[part.key];
    const asked = requested[part.key];
    let name;
    if (kept && (!asked || asked === kept)) {
      name = kept;
    } else if (asked) {
      if (kept) throw new InstallError(`--name ${part.key}=${asked}: it is installed as ${kept}; uninstall, then install with the new name`);
      checkName(part, asked);
      const why = takenBecause(root, state, part, asked, owned);
      if (why) throw new InstallError(`--name ${part.key}=${asked}: ${why}. Choose another name with --name ${part.key}=<name>.`);
      name = asked;
    } else {
      const why = takenBecause(root, state, part, part.key, owned);
      if (!why) {
        name = part.key;
      } else {
        const fallback = fallbackName(part);
        const why2 = takenBecause(root, state, part, fallback, owned);
        if (why2) {
          throw new InstallError(`the scheduler's ${part.key} cannot go under its own name (${why}) nor under ${fallback} (${why2}). Choose a name with --name ${part.key}=<name>.`);
        }
        name = fallback;
        notes.push(`${why}: the scheduler's ${part.key} goes to ${partBase(part, name)} (choose another name with --name ${part.key}=<name>)`);
      }
    }
    if (used.has(partBase(part, name))) throw new InstallError(`two of the scheduler's parts would both be ${partBase(part, name)}; choose names with --name <part>=<name>`);
    used.add(partBase(part, name));
    names[part.key] = name;
  }

  const installedPath = (rel) => {
    const part = partOf(rel);
    return partBase(part, names[part.key]) + rel.slice(part.base.length);
  };

  // the functions' files, imports rewritten for the names chosen
  const planned = files.map((rel) => {
    const target = installedPath(rel);
    let content = read(packageRoot, rel);
    if (moduleFile.test(rel)) {
      let text = content.toString("utf8");
      text = rewriteImports(text, (spec) => {
        const to = posix.normalize(posix.join(posix.dirname(rel), spec));
        if (installedPath(to) === to && target === rel) return spec;
        return specifierBetween(posix.dirname(target), installedPath(to));
      });
      if (posix.basename(rel) === actionFunctionsFile && partOf(rel).key === "dispatcher") text = actionFunctionsFor(text, names, rel);
      content = Buffer.from(text, "utf8");
    }
    return { path: target, content };
  });

  // migrations: the package's, in order, after the project's own
  const all = packageMigrations();
  const done = previous?.migrations ?? [];
  for (const [i, m] of done.entries()) {
    const current = all[i];
    if (!current || current.source !== m.source || current.sourceSha256 !== m.sourceSha256) {
      throw new InstallError(
        `this version's migrations do not continue the installed ones (${m.source} ${current ? (current.source === m.source ? "has changed" : `is now ${current.source}`) : "is gone"}), ` +
        "so upgrade cannot bring the database along. Uninstall, then install this version into a database without the scheduler, or install the version you have.",
      );
    }
  }
  const fresh = all.slice(done.length);
  const versions = nextVersions(state.migrations.map(versionOf), fresh.length, now);
  const dispatcher = names.dispatcher ?? "dispatcher";
  const migrations = fresh.map((m, i) => {
    const topic = m.source.replace(/^\d+_/, "").replace(/\.sql$/, "");
    let content = m.content;
    if (dispatcher !== "dispatcher") content = Buffer.from(dispatcherUrlFor(content.toString("utf8"), dispatcher), "utf8");
    return { source: m.source, sourceSha256: m.sourceSha256, path: `${migrationsBase}/${versions[i]}_task_scheduler_${topic}.sql`, content };
  });
  if (dispatcher !== "dispatcher" && !previous && !migrations.some((m) => m.content.toString("utf8").includes(`/functions/v1/${dispatcher}`))) {
    throw new InstallError(`the scheduler's migrations do not name the dispatcher's URL, so it cannot be installed as ${dispatcher}; free supabase/functions/dispatcher`);
  }

  // config.toml: the functions' tables and the scheduler's schema
  const pkgConfig = packageConfig();
  const functionTables = {};
  for (const fn of functions) {
    const settings = { ...(pkgConfig.functions?.[fn] ?? {}) };
    for (const key of Object.keys(settings)) {
      if (typeof settings[key] === "object") throw new InstallError(`install does not know how to carry functions.${fn}.${key} over to the project`);
    }
    if (["import_map", "entrypoint", "static_files"].some((k) => k in settings)) throw new InstallError(`install does not know how to carry the paths in [functions.${fn}] over to the project`);
    functionTables[names[fn]] = settings;
  }
  const apiSchemas = (pkgConfig.api?.schemas ?? []).filter((s) => !supabaseDefaultSchemas.has(s));
  let base = state.configText;
  if (previous?.config) {
    const { text, left } = revertEdits(base, previous.config.edits);
    if (left.length) throw new InstallError(`supabase/config.toml has changed where install added to it; put back what it added (${left.map((t) => JSON.stringify(t.trim().split("\n")[0])).join(", ")}), or remove it and uninstall with --force`);
    base = text;
  }
  let config;
  try {
    config = planConfigEdits(base, { functions: functionTables, apiSchemas });
  } catch (err) {
    throw new InstallError(err.message);
  }

  return { version: packageInfo().version, names, notes, files: planned, migrations, config: { base, ...config } };
}

/** dispatcher/action-functions.ts with each action's function under the name it was installed as. */
function actionFunctionsFor(text, names, rel) {
  let count = 0;
  const out = text.replace(/^(\s*"([^"]+)":\s*)"([^"]+)"/gm, (whole, lead, _action, fn) => {
    if (!(fn in names)) throw new InstallError(`${rel} names a function, ${fn}, that this package does not have`);
    count++;
    return `${lead}${JSON.stringify(names[fn])}`;
  });
  if (count === 0) throw new InstallError(`${rel} lists no action functions`);
  return out;
}

/** A migration with the dispatcher's URL pointing at the name it was installed as. */
function dispatcherUrlFor(sql, name) {
  return sql.replace(/\/functions\/v1\/dispatcher(?![A-Za-z0-9_-])/g, `/functions/v1/${name}`);
}

// ---------------------------------------------------------------- writing

/** Folders that do not exist yet on the way to each path (deepest last). */
function missingDirs(root, rels) {
  const dirs = new Set();
  for (const rel of rels) {
    for (let d = posix.dirname(rel); d !== "." && !exists(root, d); d = posix.dirname(d)) dirs.add(d);
  }
  return [...dirs].sort();
}

function writeFile(root, rel, content) {
  const full = path.join(root, ...rel.split("/"));
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content, { flag: "wx" }); // never over a file that is there
}

function manifestFor(plan, createdDirs) {
  return {
    package: packageInfo().name,
    version: plan.version,
    names: plan.names,
    files: Object.fromEntries(plan.files.map((f) => [f.path, sha256(f.content)])),
    migrations: plan.migrations.map((m) => ({ source: m.source, sourceSha256: m.sourceSha256, file: m.path, sha256: sha256(m.content) })),
    config: { edits: plan.config.edits, sha256: sha256(plan.config.text) },
    createdDirs,
  };
}

/** Installed files that are missing or no longer what install wrote. */
export function checkInstalled(root, manifest) {
  const modified = [];
  const missing = [];
  const entries = [...Object.entries(manifest.files), ...manifest.migrations.map((m) => [m.file, m.sha256])];
  for (const [rel, hash] of entries) {
    if (!exists(root, rel)) missing.push(rel);
    else if (sha256(read(root, rel)) !== hash) modified.push(rel);
  }
  return { modified, missing };
}

export function install(root, { requested = {}, now } = {}) {
  if (path.resolve(root) === packageRoot) throw new InstallError("this is the scheduler's own repository: install adds it to another Supabase project (run it there)");
  const installed = readManifest(root);
  if (installed) {
    const { version } = packageInfo();
    if (installed.version !== version) {
      throw new InstallError(`version ${installed.version} is installed here; \`npx supabase-task-scheduler upgrade\` brings it to ${version}`);
    }
    const { modified, missing } = checkInstalled(root, installed);
    const clash = Object.entries(requested).filter(([k, v]) => installed.names[k] !== v);
    if (clash.length) throw new InstallError(`it is installed already, with ${clash.map(([k]) => `${k} as ${installed.names[k]}`).join(", ")}; uninstall first to choose other names`);
    if (modified.length || missing.length) {
      throw new InstallError(`it is installed already, but ${[...missing.map((f) => `${f} is missing`), ...modified.map((f) => `${f} was changed`)].join("; ")}. ` +
        "Restore them from version control, or uninstall (--force) and install again.");
    }
    return { already: true, manifest: installed };
  }
  if (exists(root, manifestPath)) throw new InstallError(`${manifestPath} exists`);
  const plan = planInstall(root, { requested, now });
  const paths = [...plan.files, ...plan.migrations].map((f) => f.path);
  for (const rel of paths) if (exists(root, rel)) throw new InstallError(`${rel} exists already; nothing was written`);
  const createdDirs = missingDirs(root, [...paths, manifestPath]);
  for (const f of [...plan.files, ...plan.migrations]) writeFile(root, f.path, f.content);
  fs.writeFileSync(path.join(root, "supabase/config.toml"), plan.config.text);
  const manifest = manifestFor(plan, createdDirs);
  writeFile(root, manifestPath, manifestText(manifest));
  return { already: false, plan, manifest };
}

export function upgrade(root, { now } = {}) {
  const previous = readManifest(root);
  if (!previous) throw new InstallError("the scheduler is not installed here (no supabase/task-scheduler.json): run install");
  const { modified, missing } = checkInstalled(root, previous);
  if (modified.length || missing.length) {
    throw new InstallError(`${[...missing.map((f) => `${f} is missing`), ...modified.map((f) => `${f} was changed`)].join("; ")}: ` +
      "upgrade replaces these files, so it would lose those changes. Restore them from version control first.");
  }
  const plan = planInstall(root, { previous, now });
  const keptMigrations = previous.migrations;
  const nextFiles = new Map(plan.files.map((f) => [f.path, f.content]));
  const changed = plan.files.filter((f) => previous.files[f.path] !== sha256(f.content));
  const removed = Object.keys(previous.files).filter((rel) => !nextFiles.has(rel));
  const sameConfig = plan.config.text === fs.readFileSync(path.join(root, "supabase/config.toml"), "utf8");
  if (previous.version === plan.version && !changed.length && !removed.length && !plan.migrations.length && sameConfig) {
    return { upToDate: true, manifest: previous };
  }
  for (const f of changed) if (!(f.path in previous.files) && exists(root, f.path)) throw new InstallError(`${f.path} exists already; nothing was written`);
  for (const m of plan.migrations) if (exists(root, m.path)) throw new InstallError(`${m.path} exists already; nothing was written`);
  const createdDirs = [...new Set([...previous.createdDirs, ...missingDirs(root, [...changed, ...plan.migrations].map((f) => f.path))])].sort();
  for (const rel of removed) fs.rmSync(path.join(root, ...rel.split("/")));
  for (const f of changed) {
    const full = path.join(root, ...f.path.split("/"));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, f.content);
  }
  for (const m of plan.migrations) writeFile(root, m.path, m.content);
  fs.writeFileSync(path.join(root, "supabase/config.toml"), plan.config.text);
  removeEmptyDirs(root, createdDirs);
  const manifest = manifestFor(plan, createdDirs.filter((d) => exists(root, d)));
  manifest.migrations = [
    ...keptMigrations,
    ...manifest.migrations,
  ];
  fs.writeFileSync(path.join(root, manifestPath), manifestText(manifest));
  return { upToDate: false, from: previous.version, plan, changed: changed.map((f) => f.path), removed, manifest };
}

function removeEmptyDirs(root, dirs) {
  for (const d of [...dirs].sort().reverse()) {
    const full = path.join(root, ...d.split("/"));
    if (fs.existsSync(full) && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
}

export function uninstall(root, { force = false } = {}) {
  const manifest = readManifest(root);
  if (!manifest) return { notInstalled: true };
  const { modified } = checkInstalled(root, manifest);
  if (modified.length && !force) {
    throw new InstallError(`${modified.join(", ")} ${modified.length === 1 ? "was" : "were"} changed since install; uninstall would delete ${modified.length === 1 ? "it" : "them"}. ` +
      "Keep a copy and run uninstall --force, or restore them from version control.");
  }
  const configFile = path.join(root, "supabase/config.toml");
  const { text, left } = revertEdits(fs.readFileSync(configFile, "utf8"), manifest.config.edits);
  const rels = [...Object.keys(manifest.files), ...manifest.migrations.map((m) => m.file)];
  for (const rel of rels) fs.rmSync(path.join(root, ...rel.split("/")), { force: true });
  fs.writeFileSync(configFile, text);
  fs.rmSync(path.join(root, manifestPath));
  removeEmptyDirs(root, manifest.createdDirs);
  return { notInstalled: false, manifest, left, removed: rels.length };
}

export { applyEdits };
