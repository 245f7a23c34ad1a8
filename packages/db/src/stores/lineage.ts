import type { PoolClient } from "pg";

/** One import or sync whose usage counts in a range (usage_hourly lineage). */
export type UsageSource = {
  syncRunId: string | null;
  /** import | sync | backfill (null: rows written before runs were recorded). */
  runKind: string | null;
  /** What produced the rows: cur2, focus, aws-athena, … (sourceKinds). */
  sourceKind: string;
  /** The file name of an import, the account of a sync. */
  label: string;
  createdAt: string | null;
  rows: number;
  costAmount: number;
};

export type UsageSourceFilter = {
  /** [start, end) as ISO timestamps. */
  start: string;
  end: string;
  /** Only these accounts (null: all of the organization's). */
  cloudAccountIds: readonly string[] | null;
  providers?: readonly string[] | undefined;
  services?: readonly string[] | undefined;
  regions?: readonly string[] | undefined;
};

/**
 * The imports and syncs whose usage counts in a range, with their rows and cost, oldest first: which
 * file or sync each number came from. In the caller's tenant transaction.
 */
export async function usageSources(
  client: PoolClient,
  filter: UsageSourceFilter,
): Promise<UsageSource[]> {
  const result = await client.query<Omit<UsageSource, "createdAt"> & { createdAt: Date | null }>(
    `SELECT u.sync_run_id AS "syncRunId", r.kind::text AS "runKind", u.source_kind AS "sourceKind",
            coalesce(r.details ->> 'fileName', a.display_name, '') AS label, r.created_at AS "createdAt",
            count(*)::float8 AS rows, coalesce(sum(u.cost_amount), 0)::float8 AS "costAmount"
     FROM usage_hourly u
     LEFT JOIN sync_runs r ON r.id = u.sync_run_id
     LEFT JOIN cloud_accounts a ON a.id = r.cloud_account_id
     WHERE u.hour >= $1::timestamptz AND u.hour < $2::timestamptz
       AND ($3::uuid[] IS NULL OR u.cloud_account_id = ANY($3::uuid[]))
       AND ($4::text[] IS NULL OR u.provider::text = ANY($4::text[]))
       AND ($5::text[] IS NULL OR u.service = ANY($5::text[]))
       AND ($6::text[] IS NULL OR u.region = ANY($6::text[]))
     GROUP BY 1, 2, 3, 4, 5
     ORDER BY r.created_at NULLS FIRST, 1`,
    [
      filter.start,
      filter.end,
      filter.cloudAccountIds,
      filter.providers?.length ? filter.providers : null,
      filter.services?.length ? filter.services : null,
      filter.regions?.length ? filter.regions : null,
    ],
  );
  return result.rows.map((r) => ({
    ...r,
    createdAt: r.createdAt ? r.createdAt.toISOString() : null,
    costAmount: Math.round(r.costAmount * 1e6) / 1e6,
  }));
}
