import type { PoolClient } from "pg";
import type { Connection } from "../client";

/** The id of the organization with this slug (owner connection: tenants are not tenant-scoped). */
export async function tenantIdBySlug(owner: Connection, slug: string): Promise<string | undefined> {
  const tenant = await owner.pool.query<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [
    slug,
  ]);
  return tenant.rows[0]?.id;
}

export type Organization = { id: string; name: string; slug: string };

/** The organization of the caller's tenant transaction (row-level security shows only its row). */
export async function loadOrganization(client: PoolClient): Promise<Organization | undefined> {
  const result = await client.query<Organization>("SELECT id, name, slug FROM tenants");
  return result.rows[0];
}

/** The organization with this id, across tenants (the auth connection). */
export async function organizationById(
  auth: Connection,
  tenantId: string,
): Promise<Organization | undefined> {
  const { rows } = await auth.pool.query<Organization>(
    "SELECT id, name, slug FROM tenants WHERE id = $1",
    [tenantId],
  );
  return rows[0];
}
