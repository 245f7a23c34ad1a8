import type { PoolClient } from "pg";
import { parseSourcePrecedence } from "./sources";

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

/**
 * Sets the order of source kinds for one account (best first; see stores/sources.ts), or clears it
 * (null) to use the default order, in the caller's tenant transaction. Applies to later imports and
 * syncs; stored days are not re-decided. Returns false when there is no such account.
 */
export async function setSourcePrecedence(
  client: PoolClient,
  cloudAccountId: string,
  kinds: readonly string[] | null,
): Promise<boolean> {
  const value = kinds === null ? null : JSON.stringify(parseSourcePrecedence(kinds));
  const updated = await client.query(
    "UPDATE cloud_accounts SET source_precedence = $2::jsonb, updated_at = now() WHERE id = $1",
    [cloudAccountId, value],
  );
  return (updated.rowCount ?? 0) > 0;
}
