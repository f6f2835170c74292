// The states and kinds the database defines, as zod enums. Each mirrors an
// enum type or a check constraint in supabase/migrations; shared/domain.test.ts
// compares them with the live database so the two cannot drift.
import { z } from "zod";

export const RunStatus = z.enum(["queued", "awaiting_approval", "running", "completed", "failed", "cancelled", "skipped"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** Run states that are over: nothing more will happen to the run. */
export const finishedRunStatuses = Object.freeze(["completed", "failed", "cancelled", "skipped"] as const);

export const TaskPriority = z.enum(["low", "medium", "high", "critical"]);
export const ProfileRole = z.enum(["admin", "user", "viewer"]);
export const ProfileStatus = z.enum(["active", "inactive", "suspended"]);
export const TaskType = z.enum(["scheduled", "event", "manual"]);
export const ActionType = z.enum(["http", "ai-prompt", "notify"]);
export type ActionType = z.infer<typeof ActionType>;
export const OverlapPolicy = z.enum(["skip", "queue", "allow"]);
export const MisfirePolicy = z.enum(["skip", "run_once"]);
export const DependencyType = z.enum(["success", "failure", "always"]);
export const ApprovalStatus = z.enum(["pending", "approved", "rejected", "expired"]);
export const NotificationChannel = z.enum(["web", "email", "push", "sms", "webhook"]);
export const NotificationType = z.enum(["alert", "approval", "status", "error", "info"]);
export const StepStatus = z.enum(["pending", "running", "completed", "failed", "skipped"]);
