import type { Connection } from "../client";
import type { MemberRole } from "../member-roles";

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

export type UserMembership = { tenantId: string; tenantName: string; role: MemberRole };

/** The user's membership in `preferredTenantId` when they have one, else in their oldest organization. */
export async function preferredMembership(
  auth: Connection,
  userId: string,
  preferredTenantId: string | null,
): Promise<UserMembership | null> {
  const { rows } = await auth.pool.query<UserMembership>(
    `SELECT m.tenant_id AS "tenantId", t.name AS "tenantName", m.role
     FROM memberships m JOIN tenants t ON t.id = m.tenant_id
     WHERE m.user_id = $1
     ORDER BY (m.tenant_id = $2::uuid) DESC NULLS LAST, m.created_at
     LIMIT 1`,
    [userId, preferredTenantId],
  );
  return rows[0] ?? null;
}

/** Every organization the user belongs to, by name. */
export async function organizationsOfUser(
  auth: Connection,
  userId: string,
): Promise<{ id: string; name: string; role: MemberRole }[]> {
  const { rows } = await auth.pool.query<{ id: string; name: string; role: MemberRole }>(
    `SELECT t.id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
     WHERE m.user_id = $1 ORDER BY t.name`,
    [userId],
  );
  return rows;
}

/** The role of one membership, by its id. */
export async function membershipRole(
  auth: Connection,
  membershipId: string,
): Promise<string | undefined> {
  const { rows } = await auth.pool.query<{ role: string }>(
    "SELECT role::text FROM memberships WHERE id = $1",
    [membershipId],
  );
  return rows[0]?.role;
}

/** Whether the organization has any member yet. */
export async function organizationHasMembers(auth: Connection, tenantId: string): Promise<boolean> {
  const { rows } = await auth.pool.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM memberships WHERE tenant_id = $1) AS "any"`,
    [tenantId],
  );
  return rows[0]?.any ?? false;
}
