import type { PoolClient } from "pg";

/**
 * Deletes a cloud account with all its data, in the caller's tenant transaction. usage_hourly and
 * emissions_hourly carry no foreign keys (bulk-load speed), so they are cleared here; the rollups,
 * sync runs and the account row go by cascade.
 */
export async function deleteCloudAccount(
  client: PoolClient,
  cloudAccountId: string,
): Promise<boolean> {
  await client.query("DELETE FROM usage_hourly WHERE cloud_account_id = $1", [cloudAccountId]);
  await client.query("DELETE FROM emissions_hourly WHERE cloud_account_id = $1", [cloudAccountId]);
  const deleted = await client.query("DELETE FROM cloud_accounts WHERE id = $1", [cloudAccountId]);
  return (deleted.rowCount ?? 0) > 0;
}
