import type { PoolClient } from "pg";

/**
 * The caller's organization's data version, `<its changes>.<changes made without an organization>`
 * (tenant_data_changes, data_changes_global): it moves with every committed statement that changed
 * an input of the emission read model, so a read cached under it is current while the version is.
 * Runs in the caller's tenant transaction.
 */
export async function tenantDataVersion(client: PoolClient): Promise<string> {
  const { rows } = await client.query<{ version: string }>(
    `SELECT (SELECT coalesce(sum(changes), 0) FROM tenant_data_changes WHERE tenant_id = current_tenant_id())
            || '.' || (SELECT changes FROM data_changes_global WHERE id = 1) AS version`,
  );
  return rows[0]!.version;
}

/**
 * Folds the caller's organization's change rows into one row carrying their sum, so reading the
 * version stays one short index scan; the version is unchanged. Rows of writers that have not
 * committed yet are not visible here and stay as they are. Runs in the caller's tenant transaction.
 */
export async function compactTenantDataChanges(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ folded: number }>(
    `WITH folded AS (
       DELETE FROM tenant_data_changes
       WHERE tenant_id = current_tenant_id()
         AND (SELECT count(*) FROM tenant_data_changes WHERE tenant_id = current_tenant_id()) > 1
       RETURNING changes
     ), kept AS (
       INSERT INTO tenant_data_changes (tenant_id, changes)
       SELECT current_tenant_id(), sum(changes) FROM folded HAVING count(*) > 0
     )
     SELECT count(*)::int AS folded FROM folded`,
  );
  return rows[0]!.folded;
}
