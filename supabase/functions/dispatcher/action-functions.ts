// The Edge Function each action type's runs are handed to. In this repository
// each is named after its action. `supabase-task-scheduler install` writes this
// file into a project with the names it installed them under, where the
// project's own functions (a `notify` of its own, say) took the usual names.
export const actionFunctions: Readonly<Record<string, string>> = Object.freeze({
  "http": "http",
  "ai-prompt": "ai-prompt",
  "notify": "notify",
  "sql": "sql",
  "edge-function": "edge-function",
  "watch": "watch",
});
