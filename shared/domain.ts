// The states and kinds the database defines, as zod enums. Each mirrors an
// enum type or a check constraint in supabase/migrations; shared/domain.test.ts
// and shared/run-status.test.ts compare them with the live database so the
// two cannot drift.
import { z } from "zod";

// The run states and the task kinds live in run-status.ts (frozen lists and
// their zod enums); re-exported here so callers have one import.
export {
  ActionType,
  FINISHED_RUN_STATUSES as finishedRunStatuses,
  MisfirePolicy,
  OverlapPolicy,
  RunStatus,
  TaskPriority,
  TaskType,
} from "./run-status.ts";

export const ProfileRole = z.enum(["admin", "user", "viewer"]);
export const ProfileStatus = z.enum(["active", "inactive", "suspended"]);
export const DependencyType = z.enum(["success", "failure", "always"]);
export const ApprovalStatus = z.enum(["pending", "approved", "rejected", "expired"]);
export const NotificationChannel = z.enum(["web", "email", "push", "sms", "webhook"]);
export const NotificationType = z.enum(["alert", "approval", "status", "error", "info"]);
export const StepStatus = z.enum(["pending", "running", "completed", "failed", "skipped"]);
