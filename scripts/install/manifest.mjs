// supabase/task-scheduler.json: what install added to a project (the names it
// chose, every file with its SHA-256, the migrations and which of this
// package's each one copies, the config.toml inserts), so that upgrade and
// uninstall touch exactly that and nothing of the project's own. Commit it
// with the rest of the project.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const manifestPath = "supabase/task-scheduler.json";

export const sha256 = (content) => crypto.createHash("sha256").update(content).digest("hex");

export function readManifest(root) {
  const file = path.join(root, manifestPath);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${manifestPath} is not valid JSON (${err.message}); restore it from version control`);
  }
}

export function manifestText(manifest) {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
