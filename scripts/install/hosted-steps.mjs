// What remains to be done on a hosted project after install, upgrade or
// uninstall: the files are in place, the hosted project is not changed by them.

/** The installed functions, dispatcher first, as `supabase functions deploy` takes them. */
function functionNames(manifest) {
  const { names } = manifest;
  const fns = Object.entries(names).filter(([key]) => !key.startsWith("_") && key !== "shared");
  return fns.sort(([a], [b]) => (a === "dispatcher" ? -1 : b === "dispatcher" ? 1 : 0)).map(([, name]) => name);
}

export function installSteps(manifest, { upgrade = false } = {}) {
  const fns = functionNames(manifest);
  const dispatcher = manifest.names.dispatcher ?? "dispatcher";
  const lines = [
    "On your hosted project (after `npx supabase link --project-ref <ref>`):",
    "",
    "  1. Apply the migrations (they also schedule the scheduler's pg_cron jobs):",
    "       npx supabase db push --remote --yes",
  ];
  if (!upgrade) {
    lines.push(
      "  2. Create the two Vault entries the minute tick reads, in the SQL editor, with a long random secret of your own:",
      "       select vault.create_secret('https://<ref>.supabase.co', 'project_url');",
      "       select vault.create_secret('<random 32+ chars>', 'dispatcher_secret');",
      "  3. Give the functions the same secret (and, for ai-prompt and email, their API's):",
      "       npx supabase secrets set --yes DISPATCHER_SECRET='<the same secret>' \\",
      "         AI_BASE_URL=https://api.openai.com/v1 AI_API_KEY=sk-… AI_MODEL=gpt-4o-mini \\",
      "         EMAIL_API_KEY=re_… EMAIL_FROM='Scheduler <scheduler@yourdomain>'",
      "  4. Deploy the scheduler's functions (no Docker needed with --use-api):",
      `       npx supabase functions deploy --use-api --yes ${fns.join(" ")}`,
      "  5. To reach it from supabase-js, expose its schema:",
      "       Dashboard → Project Settings → Data API → Exposed schemas → add scheduler",
      "",
      "The local stack, without Docker (your migrations, seed, functions and pgTAP beside the scheduler's):",
      "  npx supabase-task-scheduler start     # then: status, stop, reset",
      "  npx supabase-task-scheduler test      # your pgTAP files and the scheduler's, deno check, advisors",
    );
  } else {
    lines.push(
      "  2. Deploy the functions again:",
      `       npx supabase functions deploy --use-api --yes ${fns.join(" ")}`,
    );
  }
  if (dispatcher !== "dispatcher") {
    lines.push("", `The dispatcher is installed as ${dispatcher}: its migrations call /functions/v1/${dispatcher}.`);
  }
  return lines.join("\n");
}

export function uninstallSteps(manifest) {
  const fns = functionNames(manifest);
  const versions = manifest.migrations.map((m) => m.file.split("/").pop().split("_")[0]);
  return [
    "The files are gone; a database the migrations were pushed to still has the scheduler. To take it out of",
    "a hosted project (after `npx supabase link --project-ref <ref>`):",
    "",
    "  1. In the SQL editor:",
    "       select cron.unschedule(jobid) from cron.job where command ~ '\\mscheduler(_internal)?\\.';",
    "       drop schema if exists scheduler cascade;",
    "       drop schema if exists scheduler_internal cascade;",
    "       delete from vault.secrets where name in ('project_url', 'dispatcher_secret');",
    "  2. Forget its migrations, so `db push` does not look for them:",
    `       npx supabase migration repair --remote --yes --status reverted ${versions.join(" ")}`,
    "  3. Delete its functions and secret:",
    ...fns.map((fn) => `       npx supabase functions delete --yes ${fn}`),
    "       npx supabase secrets unset --yes DISPATCHER_SECRET",
    "",
    "Locally: `npx supabase-task-scheduler reset` recreates the database from your own migrations.",
  ].join("\n");
}
