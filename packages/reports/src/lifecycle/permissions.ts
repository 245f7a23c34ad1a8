import { memberRoles, type MemberRole } from "@canopy/db/member-roles";

export { memberRoles, type MemberRole };

/**
 * Who asks. `role` is the caller's role in the organization, resolved by the web layer from the
 * session or API key; "system" is the scheduler and other jobs.
 */
export type ReportActor = { userId: string | null; role: MemberRole | "system"; label?: string };

/** Roles that may lock a version. Everyone in the organization may read and generate drafts. */
export const finalizingRoles: readonly MemberRole[] = ["owner", "admin", "finance"];

export class ReportPermissionError extends Error {
  override name = "ReportPermissionError";
}

export function canFinalize(actor: ReportActor): boolean {
  return actor.role !== "system" && finalizingRoles.includes(actor.role);
}

export function assertCanFinalize(actor: ReportActor): void {
  if (!canFinalize(actor)) {
    throw new ReportPermissionError(
      `Only ${finalizingRoles.join(", ")} can finalize a report (your role: ${actor.role})`,
    );
  }
}

export function assertCanRead(actor: ReportActor): void {
  if (actor.role !== "system" && !memberRoles.includes(actor.role)) {
    throw new ReportPermissionError(`Not a member role: ${String(actor.role)}`);
  }
}
