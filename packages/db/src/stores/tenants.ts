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

/*
 * Scheduler scans: organizations a daily job has work for, across tenants (owner connection).
 */

/**
 * Organizations with usage whose emissions are missing or were made by another methodology version
 * than `methodologyVersion`.
 */
export async function tenantsWithStaleEstimates(
  owner: Connection,
  methodologyVersion: string,
): Promise<string[]> {
  const { rows } = await owner.pool.query<{ tenantId: string }>(
    `SELECT t.id AS "tenantId" FROM tenants t
       WHERE EXISTS (SELECT 1 FROM usage_hourly u WHERE u.tenant_id = t.id)
         AND (NOT EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id)
              OR EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id AND m.methodology_version <> $1))`,
    [methodologyVersion],
  );
  return rows.map((row) => row.tenantId);
}

/** Organizations with emissions and no recommendation findings. */
export async function tenantsWithoutFindings(owner: Connection): Promise<string[]> {
  const { rows } = await owner.pool.query<{ tenantId: string }>(
    `SELECT t.id AS "tenantId" FROM tenants t
       WHERE EXISTS (SELECT 1 FROM emissions_monthly m WHERE m.tenant_id = t.id)
         AND NOT EXISTS (SELECT 1 FROM recommendation_findings f WHERE f.tenant_id = t.id)`,
  );
  return rows.map((row) => row.tenantId);
}

/** Organizations with emissions in the months of the last 120 days. */
export async function tenantsWithRecentEmissions(owner: Connection): Promise<string[]> {
  const { rows } = await owner.pool.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM emissions_monthly
       WHERE month >= date_trunc('month', now() - interval '120 days')::date`,
  );
  return rows.map((row) => row.tenant_id);
}
