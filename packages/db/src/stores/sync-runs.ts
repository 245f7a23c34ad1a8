import type { PoolClient } from "pg";

/**
 * sync_runs: one row per import or sync. `details` is the run's stored summary (jsonb); its shape is
 * declared by @canopy/jobs, so readers pass it as `Details`.
 */

/** A run's status and stored summary, in the caller's tenant transaction. */
export async function syncRunStatus<Details>(
  client: PoolClient,
  syncRunId: string,
): Promise<{ status: string; details: Details } | undefined> {
  const result = await client.query<{ status: string; details: Details }>(
    "SELECT status, details FROM sync_runs WHERE id = $1",
    [syncRunId],
  );
  return result.rows[0];
}

export type RecentSyncRun<Details> = {
  id: string;
  kind: string;
  status: string;
  createdAt: Date;
  details: Details | null;
};

/** The 50 latest runs of the tenant, newest first, or the one with `id`. */
export async function recentSyncRuns<Details>(
  client: PoolClient,
  filter: { id?: string } = {},
): Promise<RecentSyncRun<Details>[]> {
  const [where, params] = filter.id === undefined ? ["", []] : ["WHERE id = $1", [filter.id]];
  const result = await client.query<RecentSyncRun<Details>>(
    `SELECT id, kind::text AS kind, status::text AS status, created_at AS "createdAt", details FROM sync_runs
           ${where} ORDER BY created_at DESC LIMIT 50`,
    params,
  );
  return result.rows;
}

export type ImportRun = {
  id: string;
  windowStart: Date | null;
  windowEnd: Date | null;
  details: {
    skipped?: Record<string, { lines: number; costAmount: number }>;
    span?: { start: string; end: string };
    cloudAccountIds?: string[];
    currency?: string;
  } | null;
};

/** Finished file imports whose span overlaps the period (their left-out lines feed coverage). */
export async function loadImportRuns(
  client: PoolClient,
  start: string,
  end: string,
): Promise<ImportRun[]> {
  const result = await client.query<ImportRun>(
    `SELECT id, window_start AS "windowStart", window_end AS "windowEnd", details
     FROM sync_runs
     WHERE kind = 'import' AND status = 'succeeded'
       AND coalesce((details -> 'span' ->> 'start')::timestamptz, window_start) < $2::timestamptz
       AND coalesce((details -> 'span' ->> 'end')::timestamptz, window_end) > $1::timestamptz
     ORDER BY created_at, id`,
    [start, end],
  );
  return result.rows;
}
