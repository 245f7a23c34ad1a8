import type { Connection } from "../client";

/**
 * memberships: who belongs to which organization with which role. The functions taking a Connection
 * read across tenants (the auth connection, or the owner's for the scheduler).
 */

/**
 * Emails of the tenant's members who can finalize reports (owner, admin, finance), in order (owner
 * connection: the scheduler reads it outside any tenant transaction).
 */
export async function reportRecipientEmails(
  owner: Connection,
  tenantId: string,
): Promise<string[]> {
  const { rows } = await owner.pool.query<{ email: string }>(
    `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.tenant_id = $1 AND m.role IN ('owner', 'admin', 'finance') ORDER BY u.email`,
    [tenantId],
  );
  return rows.map((row) => row.email);
}
