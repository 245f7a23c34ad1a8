import type { PoolClient } from "pg";
import { parseSourcePrecedence } from "./sources";

/**
 * Every table holding rows of one cloud account, by its `cloud_account_id`. usage_hourly,
 * emissions_hourly and usage_superseded carry no foreign keys (bulk-load speed) and are cleared
 * explicitly; the others would also go by cascade. A test compares this list with the catalog, so a
 * new table with the column cannot be forgotten.
 */
export const ACCOUNT_OWNED_TABLES = [
  "usage_hourly",
  "usage_superseded",
  "emissions_hourly",
  "emissions_daily",
  "emissions_monthly",
  "provider_reported_emissions",
  "resource_utilization_hourly",
  "utilization_runs",
  "sync_runs",
] as const;

export type AccountDeletion = {
  /** Rows per table that go with the account. */
  rows: Record<(typeof ACCOUNT_OWNED_TABLES)[number], number>;
  /** What the account counts for in the ledger now (daily rollups), so the change can be shown. */
  co2eLocationKg: number;
  firstDay: string | null;
  lastDay: string | null;
};

/** What deleting the account would remove (same transaction rules as deleteCloudAccount). */
export async function previewAccountDeletion(
  client: PoolClient,
  cloudAccountId: string,
): Promise<AccountDeletion> {
  const counts = await client.query<Record<string, number>>(
    `SELECT ${ACCOUNT_OWNED_TABLES.map(
      (table) => `(SELECT count(*)::int FROM ${table} WHERE cloud_account_id = $1) AS ${table}`,
    ).join(", ")}`,
    [cloudAccountId],
  );
  const totals = await client.query<{
    co2eLocationKg: number;
    firstDay: string | null;
    lastDay: string | null;
  }>(
    `SELECT coalesce(sum(co2e_location_kg), 0)::float8 AS "co2eLocationKg",
            to_char(min(day), 'YYYY-MM-DD') AS "firstDay", to_char(max(day), 'YYYY-MM-DD') AS "lastDay"
     FROM emissions_daily WHERE cloud_account_id = $1`,
    [cloudAccountId],
  );
  return { rows: counts.rows[0] as AccountDeletion["rows"], ...totals.rows[0]! };
}

/**
 * Deletes a cloud account with everything it owns (ACCOUNT_OWNED_TABLES), in the caller's tenant
 * transaction, so it goes entirely or not at all. Returns what was removed, or undefined when there
 * is no such account.
 */
export async function deleteCloudAccount(
  client: PoolClient,
  cloudAccountId: string,
): Promise<AccountDeletion | undefined> {
  const locked = await client.query("SELECT 1 FROM cloud_accounts WHERE id = $1 FOR UPDATE", [
    cloudAccountId,
  ]);
  if (!locked.rowCount) return undefined;
  const removed = await previewAccountDeletion(client, cloudAccountId);
  for (const table of ACCOUNT_OWNED_TABLES)
    await client.query(`DELETE FROM ${table} WHERE cloud_account_id = $1`, [cloudAccountId]);
  await client.query("DELETE FROM cloud_accounts WHERE id = $1", [cloudAccountId]);
  return removed;
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

/** One cloud account as `canopy accounts` lists it. */
export type CloudAccountListing = {
  id: string;
  provider: string;
  providerAccountId: string;
  parentAccountId: string | null;
  displayName: string;
  status: string;
  precedence: string[] | null;
};

/** The tenant's cloud accounts by provider and provider id, in the caller's tenant transaction. */
export async function listCloudAccountsByProviderId(
  client: PoolClient,
): Promise<CloudAccountListing[]> {
  const result = await client.query<CloudAccountListing>(
    `SELECT id, provider::text AS provider, provider_account_id AS "providerAccountId",
                  parent_account_id AS "parentAccountId", display_name AS "displayName", status::text AS status,
                  source_precedence AS precedence
           FROM cloud_accounts ORDER BY provider, provider_account_id`,
  );
  return result.rows;
}

/** An account as a report's boundary lists it. */
export type BoundaryAccount = {
  id: string;
  provider: string;
  displayName: string;
  providerAccountId: string;
};

/** The tenant's cloud accounts by provider and name (a report's boundary candidates). */
export async function loadBoundaryAccounts(client: PoolClient): Promise<BoundaryAccount[]> {
  const result = await client.query<BoundaryAccount>(
    `SELECT id, provider::text AS provider, display_name AS "displayName", provider_account_id AS "providerAccountId"
     FROM cloud_accounts ORDER BY provider, display_name, id`,
  );
  return result.rows;
}
