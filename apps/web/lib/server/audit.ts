import "server-only";
import { writeAuditEntry, type AuditDetails, type PoolClient } from "@canopy/db";
import type { Principal } from "./principal";

export type AuditAction =
  | "organization.create"
  | "organization.update"
  | "member.invite"
  | "member.invitation_cancel"
  | "member.invitation_accept"
  | "member.invitation_reject"
  | "member.role_change"
  | "member.remove"
  | "member.leave"
  | "account.create"
  | "account.scope_change"
  | "account.activate"
  | "account.delete"
  | "account.source_precedence"
  | "credentials.set"
  | "api_key.create"
  | "api_key.revoke"
  | "import.create"
  | "import.confirm_replacement"
  | "import.discard"
  | "import.restore"
  | "alert.acknowledge"
  | "alert.mute"
  | "alert.unmute"
  | "budget.create"
  | "budget.update"
  | "budget.delete"
  | "webhook.create"
  | "webhook.update"
  | "webhook.delete"
  | "target.set"
  | "target.delete"
  | "functional_units.post"
  | "recommendation.state_change"
  | "recommendation.settings";

/** Who acted, in which organization (a Principal, or the session behind a Better Auth call). */
export type AuditActor = Pick<Principal, "tenantId" | "userId" | "actorLabel">;

/**
 * Writes one audit entry in the caller's tenant transaction (so it commits with the change).
 * Changes made through Better Auth's organization endpoints are audited by its hooks instead
 * (lib/server/organization-audit.ts); do not write a second row for them.
 */
export async function writeAudit(
  client: PoolClient,
  principal: AuditActor,
  action: AuditAction,
  target: { type: string; id: string | null },
  details: AuditDetails = {},
): Promise<void> {
  await writeAuditEntry(client, {
    tenantId: principal.tenantId,
    actorUserId: principal.userId,
    actorLabel: principal.actorLabel,
    action,
    target,
    details,
  });
}
