import type { PoolClient } from "pg";
import type { Provider } from "@canopy/methodology";
import type { Sealed } from "../credentials";
import type { Connection } from "../client";
import { connectionCheckResultSchema, type ConnectionCheckResult } from "../json/connection-check";
import { parseStoredJson } from "../json/parse";
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
  // Allocation rules filtered by the account match nothing once it is gone.
  "allocation_rules",
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
  if (!(await lockCloudAccount(client, cloudAccountId))) return undefined;
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

/** A cloud account as the API shows it: never the ciphertext, only whether credentials are stored. */
export type CloudAccountRow = {
  id: string;
  provider: Provider;
  displayName: string;
  providerAccountId: string;
  status: "pending" | "active" | "needs_attention" | "disabled";
  scope: string[] | null;
  hasCredentials: boolean;
  externalId: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  parentAccountId: string | null;
  sourcePrecedence: string[] | null;
  createdAt: string;
};

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const accountColumns = `id, provider::text, display_name AS "displayName", provider_account_id AS "providerAccountId",
  status::text, scope, credentials_ciphertext IS NOT NULL AS "hasCredentials", external_id AS "externalId",
  ${iso("last_sync_at")} AS "lastSyncAt", last_error AS "lastError", parent_account_id AS "parentAccountId",
  source_precedence AS "sourcePrecedence", ${iso("created_at")} AS "createdAt"`;

/** One page of the tenant's accounts by provider and name, each with the total count. */
export async function listCloudAccountRows(
  client: PoolClient,
  page: { limit: number; offset: number },
): Promise<(CloudAccountRow & { total: number })[]> {
  const result = await client.query<CloudAccountRow & { total: number }>(
    `SELECT ${accountColumns}, count(*) OVER ()::int AS total FROM cloud_accounts
     ORDER BY provider, display_name, id LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  );
  return result.rows;
}

/** The accounts with these ids, in the order of listCloudAccountRows. */
export async function cloudAccountRowsByIds(
  client: PoolClient,
  ids: string[],
): Promise<CloudAccountRow[]> {
  const result = await client.query<CloudAccountRow>(
    `SELECT ${accountColumns} FROM cloud_accounts WHERE id = ANY($1::uuid[])
     ORDER BY provider, display_name, id`,
    [ids],
  );
  return result.rows;
}

export async function cloudAccountRow(
  client: PoolClient,
  id: string,
): Promise<CloudAccountRow | undefined> {
  const result = await client.query<CloudAccountRow>(
    `SELECT ${accountColumns} FROM cloud_accounts WHERE id = $1`,
    [id],
  );
  return result.rows[0];
}

/** The last "Test connection" outcome as stored (cloud_accounts.connection_checks, parsed). */
export type ConnectionCheckRow = {
  /** null: never tested. "checking": the validate-connection job is queued or running. */
  status: "checking" | "passed" | "failed" | null;
  checkedAt: string | null;
  result: ConnectionCheckResult | null;
};

export async function connectionCheckRow(
  client: PoolClient,
  id: string,
): Promise<ConnectionCheckRow | undefined> {
  const result = await client.query<Omit<ConnectionCheckRow, "result"> & { result: unknown }>(
    `SELECT connection_check_status::text AS status, ${iso("connection_checked_at")} AS "checkedAt",
            connection_checks AS result
     FROM cloud_accounts WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return (
    row && {
      ...row,
      result:
        row.result === null
          ? null
          : parseStoredJson(
              connectionCheckResultSchema,
              row.result,
              `cloud_accounts.connection_checks of ${id}`,
            ),
    }
  );
}

/** An account with its payer / billing account (null: none recorded), for grouping by payer. */
export type PayerAccount = {
  id: string;
  provider: string;
  name: string;
  providerAccountId: string;
  parentAccountId: string | null;
};

export async function payerAccounts(client: PoolClient): Promise<PayerAccount[]> {
  const result = await client.query<PayerAccount>(
    `SELECT id::text, provider::text, display_name AS name, provider_account_id AS "providerAccountId",
            parent_account_id AS "parentAccountId" FROM cloud_accounts`,
  );
  return result.rows;
}

/** Names and providers of the accounts with these ids (chart and filter labels). */
export async function accountLabels(
  client: PoolClient,
  ids: string[],
): Promise<{ id: string; name: string; provider: string; pid: string }[]> {
  const result = await client.query<{ id: string; name: string; provider: string; pid: string }>(
    `SELECT id::text, display_name AS name, provider::text, provider_account_id AS pid
     FROM cloud_accounts WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return result.rows;
}

/**
 * Adds a pending cloud account; undefined when the tenant already has this provider account. The
 * external id is the one an AWS role's trust policy will require (null for other providers).
 */
export async function insertPendingCloudAccount(
  client: PoolClient,
  account: {
    tenantId: string;
    provider: string;
    displayName: string;
    providerAccountId: string;
    externalId: string | null;
  },
): Promise<string | undefined> {
  const result = await client.query<{ id: string }>(
    `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
         VALUES ($1, $2, $3, $4, $5, 'pending')
         ON CONFLICT (tenant_id, provider, provider_account_id) DO NOTHING RETURNING id`,
    [
      account.tenantId,
      account.provider,
      account.displayName,
      account.providerAccountId,
      account.externalId,
    ],
  );
  return result.rows[0]?.id;
}

/** Stores sealed credentials; a connection test of the previous credentials no longer says anything, so it is cleared. */
export async function setCloudAccountCredentials(
  client: PoolClient,
  cloudAccountId: string,
  sealed: Sealed,
): Promise<void> {
  await client.query(
    `UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3, updated_at = now(),
           connection_check_status = NULL, connection_checks = NULL, connection_checked_at = NULL
         WHERE id = $1`,
    [cloudAccountId, sealed.ciphertext, sealed.keyId],
  );
}

/** Marks the account's connection test as running (the previous outcome cleared). */
export async function markConnectionChecking(
  client: PoolClient,
  cloudAccountId: string,
): Promise<void> {
  await client.query(
    `UPDATE cloud_accounts SET connection_check_status = 'checking', connection_checks = NULL,
           connection_checked_at = NULL WHERE id = $1`,
    [cloudAccountId],
  );
}

/** Records a connection test that failed before it ran (`result`: the stored outcome). */
export async function markConnectionCheckFailed(
  client: PoolClient,
  cloudAccountId: string,
  result: ConnectionCheckResult,
): Promise<void> {
  await client.query(
    `UPDATE cloud_accounts SET connection_check_status = 'failed', connection_checks = $2,
             connection_checked_at = now() WHERE id = $1`,
    [cloudAccountId, JSON.stringify(result)],
  );
}

export async function setCloudAccountScope(
  client: PoolClient,
  cloudAccountId: string,
  scopeJson: string,
): Promise<void> {
  await client.query("UPDATE cloud_accounts SET scope = $2, updated_at = now() WHERE id = $1", [
    cloudAccountId,
    scopeJson,
  ]);
}

/** Locks the account row for the caller's transaction; false when there is no such account. */
export async function lockCloudAccount(
  client: PoolClient,
  cloudAccountId: string,
): Promise<boolean> {
  const locked = await client.query("SELECT 1 FROM cloud_accounts WHERE id = $1 FOR UPDATE", [
    cloudAccountId,
  ]);
  return Boolean(locked.rowCount);
}

/** The account leaves "pending" (or "needs attention"): active, its last error cleared. */
export async function activateCloudAccount(
  client: PoolClient,
  cloudAccountId: string,
): Promise<void> {
  await client.query(
    "UPDATE cloud_accounts SET status = 'active', last_error = NULL, updated_at = now() WHERE id = $1",
    [cloudAccountId],
  );
}

/** An account's provider and id there, as the jobs check a payload's account against its tenant. */
export type CloudAccountIdentity = {
  id: string;
  provider: Provider;
  providerAccountId: string;
};

/** The account in the caller's tenant (row-level security hides other tenants' accounts). */
export async function cloudAccountIdentity(
  client: PoolClient,
  cloudAccountId: string,
): Promise<CloudAccountIdentity | undefined> {
  const result = await client.query<CloudAccountIdentity>(
    `SELECT id, provider, provider_account_id AS "providerAccountId" FROM cloud_accounts WHERE id = $1`,
    [cloudAccountId],
  );
  return result.rows[0];
}

/** A cloud account as the jobs that call its provider read it (ciphertext included: never returned). */
export type ConnectableAccount = {
  provider: "aws" | "azure" | "gcp";
  providerAccountId: string;
  externalId: string | null;
  ciphertext: string | null;
  keyId: string | null;
  status: string;
  scope: string[] | null;
};

export async function connectableAccount(
  client: PoolClient,
  cloudAccountId: string,
): Promise<ConnectableAccount | undefined> {
  const result = await client.query<ConnectableAccount>(
    `SELECT provider, provider_account_id AS "providerAccountId", external_id AS "externalId",
              credentials_ciphertext AS ciphertext, credentials_key_id AS "keyId", status::text AS status, scope
       FROM cloud_accounts WHERE id = $1`,
    [cloudAccountId],
  );
  return result.rows[0];
}

/** A sync succeeded: the account is active, synced now, its last error cleared. */
export async function markCloudAccountSynced(
  client: PoolClient,
  cloudAccountId: string,
): Promise<void> {
  await client.query(
    "UPDATE cloud_accounts SET status = 'active', last_sync_at = now(), last_error = NULL, updated_at = now() WHERE id = $1",
    [cloudAccountId],
  );
}

/** An import stored usage of these accounts: their last sync is now (their status stays). */
export async function touchCloudAccountsSynced(
  client: PoolClient,
  cloudAccountIds: readonly string[] | undefined,
): Promise<void> {
  await client.query("UPDATE cloud_accounts SET last_sync_at = now() WHERE id = ANY($1::uuid[])", [
    cloudAccountIds,
  ]);
}

/** A sync failed, and may heal by itself: the account shows the error and keeps its status. */
export async function recordCloudAccountError(
  client: PoolClient,
  cloudAccountId: string,
  error: string,
): Promise<void> {
  await client.query(
    "UPDATE cloud_accounts SET last_error = $2, updated_at = now() WHERE id = $1",
    [cloudAccountId, error],
  );
}

/**
 * A sync failed permanently: the account (unless disabled) needs attention with `message`, recorded
 * as a failed connection test (`checksJson`: the stored outcome).
 */
export async function markCloudAccountNeedsAttention(
  client: PoolClient,
  cloudAccountId: string,
  message: string,
  checks: ConnectionCheckResult,
): Promise<void> {
  await client.query(
    `UPDATE cloud_accounts SET last_error = $2, updated_at = now(), status = 'needs_attention',
         connection_check_status = 'failed', connection_checks = $3, connection_checked_at = now()
       WHERE id = $1 AND status <> 'disabled'`,
    [cloudAccountId, message, JSON.stringify(checks)],
  );
}

/**
 * Stores a connection test's outcome; a passing one brings an account that needs
 * attention back to active, its error cleared.
 */
export async function storeConnectionCheck(
  client: PoolClient,
  cloudAccountId: string,
  status: "passed" | "failed",
  result: ConnectionCheckResult,
): Promise<void> {
  await client.query(
    `UPDATE cloud_accounts SET connection_check_status = $2::connection_check_status, connection_checks = $3,
         connection_checked_at = now(),
         status = CASE WHEN $4::boolean AND status = 'needs_attention' THEN 'active'::cloud_account_status ELSE status END,
         last_error = CASE WHEN $4::boolean AND status = 'needs_attention' THEN NULL ELSE last_error END,
         updated_at = CASE WHEN $4::boolean AND status = 'needs_attention' THEN now() ELSE updated_at END
       WHERE id = $1`,
    [cloudAccountId, status, JSON.stringify(result), status === "passed"],
  );
}

/** A connected account as the sync scheduler sees it: its last sync and its backfills. */
export type SchedulableAccount = {
  id: string;
  tenantId: string;
  provider: "aws" | "azure" | "gcp";
  lastSyncAt: Date | null;
  backfilled: boolean;
  failedBackfills: number;
  lastBackfillFailedAt: Date | null;
  checkedAt: Date | null;
};

/** Every active account with credentials, of any organization (owner connection). */
export async function schedulableAccounts(owner: Connection): Promise<SchedulableAccount[]> {
  const { rows } = await owner.pool.query<SchedulableAccount>(
    `SELECT a.id, a.tenant_id AS "tenantId", a.provider::text AS provider, a.last_sync_at AS "lastSyncAt",
              EXISTS (SELECT 1 FROM sync_runs r WHERE r.cloud_account_id = a.id AND r.kind = 'backfill' AND r.status = 'succeeded') AS backfilled,
              f.n AS "failedBackfills", f.last AS "lastBackfillFailedAt", a.connection_checked_at AS "checkedAt"
       FROM cloud_accounts a
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n, max(coalesce(r.finished_at, r.created_at)) AS last FROM sync_runs r
         WHERE r.cloud_account_id = a.id AND r.kind = 'backfill' AND r.status = 'failed') f
       WHERE a.status = 'active' AND a.credentials_ciphertext IS NOT NULL`,
  );
  return rows;
}
