// install, upgrade and uninstall on copies of the fixture existing app, run
// through the CLI as a user would (from this checkout; existing-app.test.ts
// runs the packed tarball end to end). No stack: these only write files.
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { afterAll, describe, expect, test } from "vitest";
import { cli, copyFixture, fixtureApp, repoBin, snapshot } from "./helpers.ts";

const copies: string[] = [];
const fresh = () => {
  const root = copyFixture("install-test-");
  copies.push(path.dirname(root));
  return root;
};
afterAll(() => {
  for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
});

const run = (root: string, ...args: string[]) => cli(repoBin, args, root);
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));
const packageMigrations = fs.readdirSync(path.resolve(import.meta.dirname, "../../supabase/migrations")).filter((f) => f.endsWith(".sql")).sort();
const original = snapshot(fixtureApp);
const originalConfig = fs.readFileSync(path.join(fixtureApp, "supabase/config.toml"), "utf8");

describe("install into an existing app", () => {
  const root = fresh();
  const result = run(root, "install");
  const manifest = () => readJson(path.join(root, "supabase/task-scheduler.json"));

  test("succeeds, and says which of the app's names it went around", () => {
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain("supabase/functions/notify is the project's own: the scheduler's notify goes to supabase/functions/scheduler-notify (choose another name with --name notify=<name>)");
    expect(result.stdout).toContain("shared/ is the project's own: the scheduler's shared goes to scheduler-shared");
    expect(manifest().names).toEqual({
      "ai-prompt": "ai-prompt", dispatcher: "dispatcher", "edge-function": "edge-function", "hello-scheduler": "hello-scheduler", http: "http",
      "inbound-events": "inbound-events", notify: "scheduler-notify", sql: "sql", watch: "watch", _shared: "_shared", shared: "scheduler-shared",
    });
  });

  test("prints the hosted steps that remain, with the functions under their installed names", () => {
    for (const step of ["npx supabase db push", "vault.create_secret('https://<ref>.supabase.co', 'project_url')", "vault.create_secret('<random 32+ chars>', 'dispatcher_secret')",
      "npx supabase secrets set --yes DISPATCHER_SECRET=", "npx supabase functions deploy --use-api --yes dispatcher ai-prompt edge-function hello-scheduler http inbound-events scheduler-notify sql watch", "Exposed schemas → add scheduler"]) {
      expect(result.stdout).toContain(step);
    }
  });

  test("every file of the app is byte-identical, except config.toml, which only gained the scheduler's sections", () => {
    const now = snapshot(root);
    for (const [rel, hash] of Object.entries(original)) {
      if (rel !== "supabase/config.toml") expect(now[rel], rel).toBe(hash);
    }
    const merged = fs.readFileSync(path.join(root, "supabase/config.toml"), "utf8");
    const before = parse(originalConfig) as Record<string, any>;
    const after = parse(merged) as Record<string, any>;
    expect(after.api.schemas).toEqual(["public", "graphql_public", "scheduler"]);
    const installed = ["ai-prompt", "dispatcher", "edge-function", "hello-scheduler", "http", "inbound-events", "scheduler-notify", "sql", "watch"];
    expect(Object.keys(after.functions)).toEqual(["notify", "hello", ...installed]);
    for (const fn of installed) expect(after.functions[fn]).toEqual({ verify_jwt: false });
    // with the scheduler's additions taken out it reads exactly as before, in the same order
    for (const fn of installed) delete after.functions[fn];
    after.api.schemas = before.api.schemas;
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    // and as text, every line of the original is there, in order
    const lines = merged.split("\n");
    let at = 0;
    for (const line of originalConfig.split("\n").filter((l) => !l.startsWith("schemas ="))) {
      at = lines.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
    }
  });

  test("the scheduler's functions import its shared code under the names it was installed as", () => {
    const runner = fs.readFileSync(path.join(root, "supabase/functions/_shared/action-runner.ts"), "utf8");
    expect(runner).toContain('from "../../../scheduler-shared/contract.ts"');
    expect(runner).not.toContain('"../../../shared/');
    const notify = fs.readFileSync(path.join(root, "supabase/functions/scheduler-notify/handler.ts"), "utf8");
    expect(notify).toContain('"../../../scheduler-shared/');
    expect(notify).toContain('"../_shared/');
    // the app's own shared code is untouched and not mixed with the scheduler's
    expect(fs.readdirSync(path.join(root, "shared"))).toEqual(["greeting.ts"]);
    expect(fs.readdirSync(path.join(root, "scheduler-shared")).sort()).toEqual(["contract.ts", "enums.ts", "template.ts"]);
  });

  test("the dispatcher hands notify runs to scheduler-notify, not to the app's notify", () => {
    const map = fs.readFileSync(path.join(root, "supabase/functions/dispatcher/action-functions.ts"), "utf8");
    expect(map).toContain('"notify": "scheduler-notify"');
    expect(map).toContain('"http": "http"');
  });

  test("the migrations are this package's, in its order, byte for byte, each after the app's own", () => {
    const dir = path.join(root, "supabase/migrations");
    const files = fs.readdirSync(dir).sort();
    expect(files[0]).toBe("20250101000000_app.sql");
    const installed = files.slice(1);
    expect(installed).toHaveLength(packageMigrations.length);
    installed.forEach((file, i) => {
      expect(file).toMatch(/^\d{14}_task_scheduler_.+\.sql$/);
      expect(file.replace(/^\d+_task_scheduler_/, "")).toBe(packageMigrations[i].replace(/^\d+_/, ""));
      expect(fs.readFileSync(path.join(dir, file))).toEqual(fs.readFileSync(path.resolve(import.meta.dirname, "../../supabase/migrations", packageMigrations[i])));
    });
    expect(manifest().migrations.map((m: { source: string }) => m.source)).toEqual(packageMigrations);
  });

  test("a second install changes nothing", () => {
    const before = snapshot(root);
    const again = run(root, "install");
    expect(again.status, again.output).toBe(0);
    expect(again.stdout).toContain("is installed here already; nothing was changed");
    expect(snapshot(root)).toEqual(before);
  });

  test("upgrade with nothing new changes nothing", () => {
    const before = snapshot(root);
    const up = run(root, "upgrade");
    expect(up.status, up.output).toBe(0);
    expect(up.stdout).toContain("up to date");
    expect(snapshot(root)).toEqual(before);
  });

  test("uninstall leaves the app exactly as it was", () => {
    const out = run(root, "uninstall");
    expect(out.status, out.output).toBe(0);
    expect(out.stdout).toContain("drop schema if exists scheduler cascade");
    expect(out.stdout).toContain("npx supabase migration repair --remote --yes --status reverted");
    expect(snapshot(root)).toEqual(original);
    expect(fs.readdirSync(root).sort()).toEqual(fs.readdirSync(fixtureApp).sort());
    expect(run(root, "uninstall").stdout).toContain("not installed here");
  });
});

describe("names", () => {
  test("a name chosen with --name is used, in the functions, the dispatcher's map and config.toml", () => {
    const root = fresh();
    const out = run(root, "install", "--name", "notify=scheduler-alerts", "--name=shared=task-scheduler-shared");
    expect(out.status, out.output).toBe(0);
    expect(fs.existsSync(path.join(root, "supabase/functions/scheduler-alerts/index.ts"))).toBe(true);
    expect(fs.existsSync(path.join(root, "task-scheduler-shared/contract.ts"))).toBe(true);
    expect(fs.readFileSync(path.join(root, "supabase/functions/dispatcher/action-functions.ts"), "utf8")).toContain('"notify": "scheduler-alerts"');
    expect((parse(fs.readFileSync(path.join(root, "supabase/config.toml"), "utf8")) as any).functions["scheduler-alerts"]).toEqual({ verify_jwt: false });
    expect(out.stdout).toContain("deploy --use-api --yes dispatcher ai-prompt edge-function hello-scheduler http inbound-events scheduler-alerts sql watch");
  });

  test("a chosen name the app has taken stops install, says what collided and how to choose, and writes nothing", () => {
    const root = fresh();
    const before = snapshot(root);
    const out = run(root, "install", "--name", "notify=hello");
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("install stopped, nothing was written: --name notify=hello: supabase/functions/hello is the project's own. Choose another name with --name notify=<name>.");
    expect(snapshot(root)).toEqual(before);
    const shared = run(root, "install", "--name", "shared=shared");
    expect(shared.status).toBe(1);
    expect(shared.stderr).toContain("--name shared=shared: shared/ is the project's own. Choose another name with --name shared=<name>.");
    expect(snapshot(root)).toEqual(before);
  });

  test("a name only config.toml has ([functions.<name>] with no folder) counts as taken", () => {
    const root = fresh();
    fs.appendFileSync(path.join(root, "supabase/config.toml"), "\n[functions.http]\nverify_jwt = true\n");
    const out = run(root, "install");
    expect(out.status, out.output).toBe(0);
    expect(out.stdout).toContain("supabase/config.toml already has [functions.http]: the scheduler's http goes to supabase/functions/scheduler-http");
    expect(fs.readFileSync(path.join(root, "supabase/functions/dispatcher/action-functions.ts"), "utf8")).toContain('"http": "scheduler-http"');
  });

  test("when the usual name and the fallback are both taken, install stops and asks for a name", () => {
    const root = fresh();
    fs.cpSync(path.join(root, "supabase/functions/notify"), path.join(root, "supabase/functions/scheduler-notify"), { recursive: true });
    const before = snapshot(root);
    const out = run(root, "install");
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("the scheduler's notify cannot go under its own name (supabase/functions/notify is the project's own) nor under scheduler-notify (supabase/functions/scheduler-notify is the project's own). Choose a name with --name notify=<name>.");
    expect(snapshot(root)).toEqual(before);
  });

  test("an app with a supabase/functions/_shared of its own gets the scheduler's as _scheduler_shared, imported as such", () => {
    const root = fresh();
    fs.mkdirSync(path.join(root, "supabase/functions/_shared"));
    fs.writeFileSync(path.join(root, "supabase/functions/_shared/cors.ts"), "export const corsHeaders = {};\n");
    const out = run(root, "install");
    expect(out.status, out.output).toBe(0);
    expect(out.stdout).toContain("supabase/functions/_shared is the project's own: the scheduler's _shared goes to supabase/functions/_scheduler_shared");
    expect(fs.readdirSync(path.join(root, "supabase/functions/_shared"))).toEqual(["cors.ts"]);
    const index = fs.readFileSync(path.join(root, "supabase/functions/http/index.ts"), "utf8");
    expect(index).toContain('from "../_scheduler_shared/runtime.ts"');
    expect(index).not.toContain('"../_shared/');
    const runner = fs.readFileSync(path.join(root, "supabase/functions/_scheduler_shared/action-runner.ts"), "utf8");
    expect(runner).toContain('from "../../../scheduler-shared/contract.ts"');
    expect(run(root, "uninstall").status).toBe(0);
    expect(fs.readdirSync(path.join(root, "supabase/functions")).sort()).toEqual(["_shared", "hello", "notify"]);
  });

  test("an app with a dispatcher of its own gets the scheduler's as scheduler-dispatcher, and the database calls that", () => {
    const root = fresh();
    fs.cpSync(path.join(root, "supabase/functions/notify"), path.join(root, "supabase/functions/dispatcher"), { recursive: true });
    const out = run(root, "install");
    expect(out.status, out.output).toBe(0);
    expect(fs.existsSync(path.join(root, "supabase/functions/scheduler-dispatcher/index.ts"))).toBe(true);
    const sql = fs.readdirSync(path.join(root, "supabase/migrations")).map((f) => fs.readFileSync(path.join(root, "supabase/migrations", f), "utf8")).join("\n");
    expect(sql).toContain("/functions/v1/scheduler-dispatcher");
    expect(sql).not.toMatch(/\/functions\/v1\/dispatcher\b/);
    expect(out.stdout).toContain("The dispatcher is installed as scheduler-dispatcher");
  });

  test("unknown parts and bad names are refused before anything is written", () => {
    const root = fresh();
    expect(run(root, "install", "--name", "cron=x").stderr).toContain("the scheduler has no part called cron; its parts are");
    expect(run(root, "install", "--name", "_shared=shared2").stderr).toContain("it must start with _");
    expect(run(root, "install", "--name", "notify").stderr).toContain("--name takes <part>=<name>");
    expect(snapshot(root)).toEqual(original);
  });
});

describe("upgrade and uninstall guard what they would lose", () => {
  test("upgrade adds the migrations a newer version brings, after everything the project has", () => {
    const root = fresh();
    expect(run(root, "install").status).toBe(0);
    // make the installed copy look one migration behind this version
    const file = path.join(root, "supabase/task-scheduler.json");
    const manifest = readJson(file);
    const last = manifest.migrations.pop();
    fs.rmSync(path.join(root, last.file));
    manifest.version = "0.0.1";
    fs.writeFileSync(file, JSON.stringify(manifest));
    fs.writeFileSync(path.join(root, "supabase/migrations/29990101000000_app_later.sql"), "select 1;\n");
    const out = run(root, "upgrade");
    expect(out.status, out.output).toBe(0);
    expect(out.stdout).toContain("Upgraded supabase-task-scheduler 0.0.1 → ");
    const after = readJson(file);
    expect(after.migrations.map((m: { source: string }) => m.source)).toEqual(packageMigrations);
    expect(path.basename(after.migrations.at(-1).file) > "29990101000000_app_later.sql").toBe(true);
  });

  test("upgrade refuses a version whose migrations do not continue the installed ones", () => {
    const root = fresh();
    expect(run(root, "install").status).toBe(0);
    const file = path.join(root, "supabase/task-scheduler.json");
    const manifest = readJson(file);
    manifest.migrations[0].sourceSha256 = "0".repeat(64);
    fs.writeFileSync(file, JSON.stringify(manifest));
    const before = snapshot(root);
    const out = run(root, "upgrade");
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("this version's migrations do not continue the installed ones");
    expect(snapshot(root)).toEqual(before);
  });

  test("uninstall keeps an installed file that was changed unless --force; config.toml edits around the inserts survive", () => {
    const root = fresh();
    expect(run(root, "install").status).toBe(0);
    const handler = path.join(root, "supabase/functions/http/handler.ts");
    fs.appendFileSync(handler, "\n// a local change\n");
    const config = path.join(root, "supabase/config.toml");
    fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace('project_id = "existing-app"', 'project_id = "existing-app-2"'));
    const refused = run(root, "uninstall");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("supabase/functions/http/handler.ts was changed since install");
    expect(fs.existsSync(handler)).toBe(true);
    const forced = run(root, "uninstall", "--force");
    expect(forced.status, forced.output).toBe(0);
    expect(fs.existsSync(path.join(root, "supabase/functions/http"))).toBe(false);
    expect(fs.readFileSync(config, "utf8")).toBe(originalConfig.replace('project_id = "existing-app"', 'project_id = "existing-app-2"'));
  });

  test("install refuses to run in this repository itself", () => {
    const out = cli(repoBin, ["install"], path.resolve(import.meta.dirname, "../.."));
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("this is the scheduler's own repository");
  });
});
