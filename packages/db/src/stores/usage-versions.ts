import type { PoolClient } from "pg";
import type { Connection } from "../client";
import { dimsKeySql, lockAccounts, USAGE_COLUMNS } from "./usage";
import { windowArrays, type AccountWindow } from "./windows";

/** A run's data can no longer be undone: another run has since replaced some of it. */
export class RestoreRefusedError extends Error {}

export type RestoreResult = {
  /** Account windows whose counted usage changed: the ones to re-estimate. */
  windows: AccountWindow[];
  /** Rows of the run that stopped counting (kept in usage_superseded as "restored"). */
  rowsWithdrawn: number;
  /** Previous rows that count again. */
  rowsRestored: number;
};

/**
 * Undoes what one import or sync did to the counted usage, in the caller's tenant transaction: its
 * rows over `windows` (the days it took) stop counting and are kept as "restored", and the rows it
 * had replaced count again. Refused, with the reason, when a later run has replaced part of its data
 * (restore that run first), so nothing newer is ever overwritten.
 */
export async function restoreReplacedUsage(
  client: PoolClient,
  syncRunId: string,
  windows: readonly AccountWindow[],
): Promise<RestoreResult> {
  await lockAccounts(client, windows);
  const run = await client.query<{ restoredAt: string | null; prunedAt: string | null }>(
    `SELECT details->>'restoredAt' AS "restoredAt", details->>'previousVersionPrunedAt' AS "prunedAt"
     FROM sync_runs WHERE id = $1 FOR UPDATE`,
    [syncRunId],
  );
  if (!run.rows[0]) throw new RestoreRefusedError(`There is no import or sync ${syncRunId}.`);
  if (run.rows[0].restoredAt)
    throw new RestoreRefusedError(`It was already restored on ${run.rows[0].restoredAt}.`);
  if (run.rows[0].prunedAt)
    throw new RestoreRefusedError(
      `The version it replaced was deleted on ${run.rows[0].prunedAt}, past the retention (CANOPY_SUPERSEDED_RETENTION_DAYS).`,
    );
  const later = await client.query<{ run: string | null; at: Date; kind: string | null }>(
    `SELECT s.superseded_by_sync_run_id AS run, min(s.superseded_at) AS at, min(r.kind::text) AS kind
     FROM usage_superseded s LEFT JOIN sync_runs r ON r.id = s.superseded_by_sync_run_id
     WHERE s.sync_run_id = $1 AND s.reason = 'replaced'
     GROUP BY 1 ORDER BY 2`,
    [syncRunId],
  );
  if (later.rows.length) {
    const [first] = later.rows;
    throw new RestoreRefusedError(
      `Its data was replaced since by ${first!.kind ?? "run"} ${first!.run ?? "(unrecorded)"} (${first!.at.toISOString()}); restore that one first.`,
    );
  }
  // Rows another run wrote into these days since (where this run had nothing to be replaced).
  const newer = await client.query<{ run: string | null; kind: string | null }>(
    `SELECT DISTINCT u.sync_run_id AS run, r.kind::text AS kind FROM usage_hourly u
     JOIN unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
       ON u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at
     LEFT JOIN sync_runs r ON r.id = u.sync_run_id
     WHERE u.sync_run_id IS DISTINCT FROM $4::uuid LIMIT 1`,
    [...windowArrays(windows), syncRunId],
  );
  if (newer.rows.length) {
    const [first] = newer.rows;
    throw new RestoreRefusedError(
      `Its days hold data written since by ${first!.kind ?? "run"} ${first!.run ?? "(unrecorded)"}; restore that one first.`,
    );
  }
  const withdrawn = await client.query(
    `WITH moved AS (
       DELETE FROM usage_hourly u
       USING unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, start_at, end_at)
       WHERE u.cloud_account_id = w.account_id AND u.hour >= w.start_at AND u.hour < w.end_at
         AND u.sync_run_id = $4
       RETURNING u.*)
     INSERT INTO usage_superseded (${USAGE_COLUMNS}, reason)
     SELECT ${USAGE_COLUMNS}, 'restored' FROM moved`,
    [...windowArrays(windows), syncRunId],
  );
  const restored = await client.query(
    `WITH back AS (
       DELETE FROM usage_superseded WHERE superseded_by_sync_run_id = $1 AND reason = 'replaced'
       RETURNING *)
     INSERT INTO usage_hourly (${USAGE_COLUMNS}) SELECT ${USAGE_COLUMNS} FROM back`,
    [syncRunId],
  );
  await client.query(
    `UPDATE sync_runs SET details = coalesce(details, '{}'::jsonb) || jsonb_build_object('restoredAt', now()) WHERE id = $1`,
    [syncRunId],
  );
  return {
    windows: [...windows],
    rowsWithdrawn: withdrawn.rowCount ?? 0,
    rowsRestored: restored.rowCount ?? 0,
  };
}

/**
 * Deletes kept previous versions older than the retention (CANOPY_SUPERSEDED_RETENTION_DAYS), across
 * tenants, as the owner, and marks the runs that had replaced them (details.previousVersionPrunedAt), so
 * a restore of those runs is refused instead of emptying their days. Returns the rows deleted.
 */
export async function pruneSupersededUsage(
  owner: { query: PoolClient["query"] },
  retentionDays: number,
): Promise<number> {
  const result = await owner.query<{ deleted: number }>(
    `WITH gone AS (
       DELETE FROM usage_superseded WHERE superseded_at < now() - make_interval(days => $1)
       RETURNING superseded_by_sync_run_id AS run),
     marked AS (
       UPDATE sync_runs r SET details = coalesce(r.details, '{}'::jsonb) || jsonb_build_object('previousVersionPrunedAt', now())
       FROM (SELECT DISTINCT run FROM gone WHERE run IS NOT NULL) g WHERE r.id = g.run RETURNING 1)
     SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM marked) AS runs`,
    [retentionDays],
  );
  return result.rows[0]!.deleted;
}

/**
 * Renames a service in an organization's stored usage (counted and previous versions), in the caller's
 * tenant transaction: the rows get the new name and the dims_key that goes with it. A renamed counted
 * row that collides with a row already stored under the new name (the same usage twice) is kept as a
 * previous version ("merged") instead. Returns the account windows (UTC days) to re-estimate.
 */
export async function renameStoredService(
  client: PoolClient,
  provider: string,
  from: string,
  to: string,
): Promise<AccountWindow[]> {
  await client.query("DROP TABLE IF EXISTS usage_renamed");
  await client.query(
    `CREATE TEMP TABLE usage_renamed ON COMMIT DROP AS
     WITH moved AS (DELETE FROM usage_hourly WHERE provider = $1 AND service = $2 RETURNING *)
     SELECT * FROM moved`,
    [provider, from],
  );
  await client.query(`UPDATE usage_renamed SET service = $1`, [to]);
  await client.query(`UPDATE usage_renamed SET dims_key = ${dimsKeySql}`);
  await client.query(
    `WITH kept AS (
       INSERT INTO usage_hourly (${USAGE_COLUMNS}) SELECT ${USAGE_COLUMNS} FROM usage_renamed
       ON CONFLICT DO NOTHING RETURNING cloud_account_id, hour, dims_key)
     INSERT INTO usage_superseded (${USAGE_COLUMNS}, reason)
     SELECT ${USAGE_COLUMNS.split(",")
       .map((c) => `r.${c.trim()}`)
       .join(", ")}, 'merged' FROM usage_renamed r
     WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.cloud_account_id = r.cloud_account_id AND k.hour = r.hour AND k.dims_key = r.dims_key)`,
  );
  await client.query(
    `UPDATE usage_superseded SET service = $3, dims_key = ${dimsKeySql} WHERE provider = $1 AND service = $2`,
    [provider, from, to],
  );
  const windows = await client.query<{ account: string; first: Date; last: Date }>(
    `SELECT cloud_account_id AS account, date_trunc('day', min(hour) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS first,
            date_trunc('day', max(hour) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day' AS last
     FROM usage_renamed GROUP BY cloud_account_id`,
  );
  return windows.rows.map((w) => ({ cloudAccountId: w.account, start: w.first, end: w.last }));
}

/**
 * Every tenant's stored service names per provider, in the monthly rollups and the previous versions
 * (owner connection: across organizations), for putting them under their canonical names.
 */
export async function storedServiceNames<Provider extends string>(
  owner: Connection,
): Promise<{ tenantId: string; provider: Provider; service: string }[]> {
  const { rows } = await owner.pool.query<{
    tenantId: string;
    provider: Provider;
    service: string;
  }>(
    `SELECT DISTINCT tenant_id AS "tenantId", provider, service FROM emissions_monthly
       UNION SELECT DISTINCT tenant_id, provider, service FROM usage_superseded`,
  );
  return rows;
}
