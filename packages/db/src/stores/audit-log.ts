import type { PoolClient } from "pg";
import { auditDetailsSchema, type AuditDetails } from "../json/audit-details";
import { parseStoredJson } from "../json/parse";

/** One audit_log row: who acted (a user, or only a label such as "cli" or "api key cnp_…") on what. */
export type AuditEntry = {
  tenantId: string;
  actorUserId: string | null;
  actorLabel: string;
  action: string;
  target: { type: string; id: string | null };
  details: AuditDetails;
};

/** Writes one audit entry in the caller's tenant transaction, so it commits with the change. */
export async function writeAuditEntry(client: PoolClient, entry: AuditEntry): Promise<void> {
  await client.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor_label, action, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      entry.tenantId,
      entry.actorUserId,
      entry.actorLabel,
      entry.action,
      entry.target.type,
      entry.target.id,
      entry.details,
    ],
  );
}

export type AuditLogEntry = {
  id: number;
  createdAt: Date;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: AuditDetails | null;
};

/** A page of the tenant's audit log, newest first: entries before `beforeId` (null: the latest). */
export async function listAuditLog(
  client: PoolClient,
  page: { beforeId: number | null; limit: number },
): Promise<AuditLogEntry[]> {
  const result = await client.query<Omit<AuditLogEntry, "details"> & { details: unknown }>(
    `SELECT id, created_at AS "createdAt", actor_label AS "actorLabel", action, target_type AS "targetType",
                  target_id AS "targetId", details
           FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [page.beforeId, page.limit],
  );
  return result.rows.map((row) => ({
    ...row,
    details:
      row.details === null
        ? null
        : parseStoredJson(auditDetailsSchema, row.details, `audit_log.details of entry ${row.id}`),
  }));
}
