// The states and kinds the database defines: each is one frozen list,
// mirrored by an enum type or a check constraint in supabase/schemas, and
// a zod enum built from that list under one name. shared/enums.test.ts
// compares every list with the live database, so neither side can change
// alone.
//
// Pure: no I/O, runs in Deno (Edge Functions) and Node (vitest) alike.
import { z } from "zod";

// ── runs ──────────────────────────────────────────────────────────────────

/**
 * `scheduler.run_status`, in the enum's order. Seed 000's states plus queued,
 * awaiting_approval and claimed (handed to its action function, waiting for
 * its second: nothing has been sent; docs/dispatch.md).
 */
export const RUN_STATUSES = Object.freeze(
  ["queued", "awaiting_approval", "claimed", "running", "completed", "failed", "cancelled", "skipped"] as const,
);
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/** Run states that are over: nothing more will happen to the run. */
export const FINISHED_RUN_STATUSES = Object.freeze(["completed", "failed", "cancelled", "skipped"] as const);
/** Run states the engine still owns: waiting for its time, a human, its second, or its action. */
export const OPEN_RUN_STATUSES = Object.freeze(["queued", "awaiting_approval", "claimed", "running"] as const);

/** True when nothing more will happen to a run in this state. */
export function isFinishedRunStatus(status: RunStatus): boolean {
  return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/** `task_steps.status` (check task_steps_status_check): one step of an ai-prompt run. */
export const STEP_STATUSES = Object.freeze(["pending", "running", "completed", "failed", "skipped"] as const);
export const StepStatus = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof StepStatus>;

// ── tasks ─────────────────────────────────────────────────────────────────

/** `tasks.type` (check tasks_type_check): how runs start. Seed categories such as "Reminder" are tags. */
export const TASK_TYPES = Object.freeze(["scheduled", "event", "manual"] as const);
export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

/** `tasks.action_type` (check tasks_action_type_check): exactly the Edge Function names. `watch` is a watcher: its runs are polls. */
export const ACTION_TYPES = Object.freeze(["http", "ai-prompt", "notify", "sql", "edge-function", "watch"] as const);
export const ActionType = z.enum(ACTION_TYPES);
export type ActionType = z.infer<typeof ActionType>;

/** `tasks.overlap_policy` (check tasks_overlap_policy_check): a run still going at the next due time. */
export const OVERLAP_POLICIES = Object.freeze(["skip", "queue", "allow"] as const);
export const OverlapPolicy = z.enum(OVERLAP_POLICIES);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

/** `tasks.misfire_policy` (check tasks_misfire_policy_check): due times missed while the scheduler was down. */
export const MISFIRE_POLICIES = Object.freeze(["skip", "run_once"] as const);
export const MisfirePolicy = z.enum(MISFIRE_POLICIES);
export type MisfirePolicy = z.infer<typeof MisfirePolicy>;

/** `tasks.debounce_inputs` (check tasks_debounce_inputs_check): what a debounced event run gets as inputs. */
export const DEBOUNCE_INPUTS = Object.freeze(["last", "all"] as const);
export const DebounceInputs = z.enum(DEBOUNCE_INPUTS);
export type DebounceInputs = z.infer<typeof DebounceInputs>;

/** `scheduler.task_priority`, in the enum's (and the claim's) order: low < medium < high < critical. */
export const TASK_PRIORITIES = Object.freeze(["low", "medium", "high", "critical"] as const);
export const TaskPriority = z.enum(TASK_PRIORITIES);
export type TaskPriority = z.infer<typeof TaskPriority>;

/** `task_dependencies.dependency_type` (check task_dependencies_dependency_type_check): which end of the upstream run counts. */
export const DEPENDENCY_TYPES = Object.freeze(["success", "failure", "always"] as const);
export const DependencyType = z.enum(DEPENDENCY_TYPES);
export type DependencyType = z.infer<typeof DependencyType>;

/** `approvals.status` (check approvals_status_check). */
export const APPROVAL_STATUSES = Object.freeze(["pending", "approved", "rejected", "expired"] as const);
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

// ── people and notifications ──────────────────────────────────────────────

/** `scheduler.profile_role`, in the enum's order. */
export const PROFILE_ROLES = Object.freeze(["admin", "user", "viewer"] as const);
export const ProfileRole = z.enum(PROFILE_ROLES);
export type ProfileRole = z.infer<typeof ProfileRole>;

/** `scheduler.profile_status`, in the enum's order. */
export const PROFILE_STATUSES = Object.freeze(["active", "inactive", "suspended"] as const);
export const ProfileStatus = z.enum(PROFILE_STATUSES);
export type ProfileStatus = z.infer<typeof ProfileStatus>;

/** `notifications.channel` (check chk_notification_channel). */
export const NOTIFICATION_CHANNELS = Object.freeze(["web", "email", "push", "sms", "webhook"] as const);
export const NotificationChannel = z.enum(NOTIFICATION_CHANNELS);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** `notifications.type` (check chk_notification_type); also what a notify task's web payload may set. */
export const NOTIFICATION_TYPES = Object.freeze(["alert", "approval", "status", "error", "info"] as const);
export const NotificationType = z.enum(NOTIFICATION_TYPES);
export type NotificationType = z.infer<typeof NotificationType>;

/** `notifications.priority` (check chk_notification_priority); also what a notify task's web payload may set. */
export const NOTIFICATION_PRIORITIES = Object.freeze(["low", "normal", "high", "urgent"] as const);
export const NotificationPriority = z.enum(NOTIFICATION_PRIORITIES);
export type NotificationPriority = z.infer<typeof NotificationPriority>;
