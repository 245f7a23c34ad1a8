import type { PoolClient } from "pg";
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

/** Emails of the tenant's members who receive alert emails (owner, admin, analyst), in order. */
export async function alertRecipientEmails(owner: Connection, tenantId: string): Promise<string[]> {
  const { rows } = await owner.pool.query<{ email: string }>(
    `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.tenant_id = $1 AND m.role IN ('owner', 'admin', 'analyst') ORDER BY u.email`,
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

/** One membership of the caller's tenant, locked for its transaction. */
export async function lockMembership(
  client: PoolClient,
  membershipId: string,
): Promise<{ id: string; userId: string; role: MemberRole } | undefined> {
  const result = await client.query<{ id: string; userId: string; role: MemberRole }>(
    `SELECT id, user_id AS "userId", role::text FROM memberships WHERE id = $1 FOR UPDATE`,
    [membershipId],
  );
  return result.rows[0];
}

/** How many owners the caller's tenant has. */
export async function ownerCount(client: PoolClient): Promise<number> {
  const result = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM memberships WHERE role = 'owner'",
  );
  return result.rows[0]!.n;
}

export async function setMembershipRole(
  client: PoolClient,
  membershipId: string,
  role: MemberRole,
): Promise<void> {
  await client.query("UPDATE memberships SET role = $2 WHERE id = $1", [membershipId, role]);
}

export async function deleteMembership(client: PoolClient, membershipId: string): Promise<void> {
  await client.query("DELETE FROM memberships WHERE id = $1", [membershipId]);
}

/** Cancels a pending invitation of the caller's tenant; its email, or undefined when none was pending. */
export async function cancelPendingInvitation(
  client: PoolClient,
  invitationId: string,
): Promise<{ email: string } | undefined> {
  const result = await client.query<{ email: string }>(
    "UPDATE invitations SET status = 'canceled' WHERE id = $1 AND status = 'pending' RETURNING email",
    [invitationId],
  );
  return result.rows[0];
}

/** The tenant's members with their sign-in emails and names, by email (auth connection: users are not tenant data). */
export async function membersWithUsers(
  auth: Connection,
  tenantId: string,
): Promise<{ id: string; role: string; email: string; name: string; createdAt: Date }[]> {
  const { rows } = await auth.pool.query<{
    id: string;
    role: string;
    email: string;
    name: string;
    createdAt: Date;
  }>(
    `SELECT m.id, m.role::text, u.email, u.name, m.created_at AS "createdAt"
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1 ORDER BY u.email`,
    [tenantId],
  );
  return rows;
}

/** The tenant's pending, unexpired invitations, newest first. */
export async function pendingInvitations(
  client: PoolClient,
): Promise<{ id: string; email: string; role: string; expiresAt: Date }[]> {
  const result = await client.query<{ id: string; email: string; role: string; expiresAt: Date }>(
    `SELECT id, email, role::text, expires_at AS "expiresAt" FROM invitations
           WHERE status = 'pending' AND expires_at > now() ORDER BY created_at DESC`,
  );
  return result.rows;
}
