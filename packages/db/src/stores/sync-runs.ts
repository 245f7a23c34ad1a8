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

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const importColumns = `id, status, ${iso("created_at")} AS "createdAt", ${iso("finished_at")} AS "finishedAt", error, details`;
const runColumns = `id, status::text AS status, ${iso("created_at")} AS "createdAt", ${iso("finished_at")} AS "finishedAt", error, details`;

export type SyncRunStatus = "queued" | "running" | "awaiting_confirmation" | "succeeded" | "failed";

/** A run as the imports API shows it (times as ISO strings). */
export type ImportRunRow<Details> = {
  id: string;
  status: SyncRunStatus;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  details: Details | null;
};

/**
 * One page of the tenant's imports, newest first: those before the (createdAt, id) cursor, at most
 * `limit` rows.
 */
export async function listImportRunRows<Details>(
  client: PoolClient,
  page: { createdBefore: string | null; idBefore: string | null; limit: number },
): Promise<ImportRunRow<Details>[]> {
  const result = await client.query<ImportRunRow<Details>>(
    `SELECT ${importColumns} FROM sync_runs
       WHERE kind = 'import'
         AND ($1::timestamptz IS NULL OR (date_trunc('milliseconds', created_at), id) < ($1::timestamptz, $2::uuid))
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT $3`,
    [page.createdBefore, page.idBefore, page.limit],
  );
  return result.rows;
}

/** One import of the tenant. */
export async function importRunRow<Details>(
  client: PoolClient,
  id: string,
): Promise<ImportRunRow<Details> | undefined> {
  const result = await client.query<ImportRunRow<Details>>(
    `SELECT ${importColumns} FROM sync_runs WHERE id = $1 AND kind = 'import'`,
    [id],
  );
  return result.rows[0];
}

/** One run of the tenant whose kind is one of `kinds`, with its kind. */
export async function syncRunRowOfKinds<Details, Kind extends string>(
  client: PoolClient,
  id: string,
  kinds: readonly Kind[],
): Promise<(ImportRunRow<Details> & { kind: Kind }) | undefined> {
  const result = await client.query<ImportRunRow<Details> & { kind: Kind }>(
    `SELECT ${runColumns}, kind::text AS kind FROM sync_runs WHERE id = $1 AND kind::text = ANY($2::text[])`,
    [id, kinds],
  );
  return result.rows[0];
}

/** Marks an import awaiting confirmation failed with `error`; false when it is in another state. */
export async function declineAwaitingImport(
  client: PoolClient,
  id: string,
  error: string,
): Promise<boolean> {
  const updated = await client.query(
    `UPDATE sync_runs SET status = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND kind = 'import' AND status = 'awaiting_confirmation'`,
    [id, error],
  );
  return updated.rowCount !== 0;
}

/** A run as the jobs page lists it: its summary's fields read out of `details`. */
export type SyncRunListRow<Replaced, Preview, ApiCost> = {
  id: string;
  kind: "import" | "sync" | "backfill" | "reestimate";
  status: SyncRunStatus;
  cloudAccountId: string | null;
  accountName: string | null;
  fileName: string | null;
  rowsRead: number;
  rowsWritten: number;
  rowsSkipped: number;
  error: string | null;
  windowStart: string | null;
  windowEnd: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  replaced: Replaced[] | null;
  restoredAt: string | null;
  fileDeletedAt: string | null;
  preview: Preview | null;
  apiCost: ApiCost | null;
  /** Runs under the status filter in all. */
  total: number;
};

/** Recent runs (imports, syncs, backfills, re-estimations), newest first, optionally of one status. */
export async function listSyncRunRows<Replaced, Preview, ApiCost>(
  client: PoolClient,
  options: { limit: number; offset: number; status?: string | undefined },
): Promise<SyncRunListRow<Replaced, Preview, ApiCost>[]> {
  const result = await client.query<SyncRunListRow<Replaced, Preview, ApiCost>>(
    `SELECT r.id, r.kind::text, r.status::text, r.cloud_account_id AS "cloudAccountId", a.display_name AS "accountName",
            r.details->>'fileName' AS "fileName", r.rows_read AS "rowsRead", r.rows_written AS "rowsWritten",
            r.rows_skipped AS "rowsSkipped", r.error, ${iso("r.window_start")} AS "windowStart",
            ${iso("r.window_end")} AS "windowEnd", ${iso("r.created_at")} AS "createdAt",
            ${iso("r.started_at")} AS "startedAt", ${iso("r.finished_at")} AS "finishedAt",
            CASE WHEN jsonb_typeof(r.details->'replaced') = 'array' AND jsonb_array_length(r.details->'replaced') > 0
                 THEN r.details->'replaced' END AS replaced,
            r.details->>'restoredAt' AS "restoredAt", r.details->>'fileDeletedAt' AS "fileDeletedAt",
            CASE WHEN r.status = 'awaiting_confirmation' THEN r.details->'preview' END AS preview,
            r.details->'apiCost' AS "apiCost",
            count(*) OVER ()::int AS total
     FROM sync_runs r LEFT JOIN cloud_accounts a ON a.id = r.cloud_account_id
     WHERE ($3::sync_run_status IS NULL OR r.status = $3::sync_run_status)
     ORDER BY r.created_at DESC, r.id DESC LIMIT $1 OFFSET $2`,
    [options.limit, options.offset, options.status ?? null],
  );
  return result.rows;
}

/**
 * What an import refused for holding other accounts than the one expected recorded: the expected
 * account and the others (as stored in details); undefined when there is no such import.
 */
export async function importAccountMismatchRow<OtherAccounts>(
  client: PoolClient,
  importId: string,
): Promise<{ expected: string | null; others: OtherAccounts | null } | undefined> {
  const { rows } = await client.query<{ expected: string | null; others: OtherAccounts | null }>(
    `SELECT details->>'expectedCloudAccountId' AS expected, details->'otherAccounts' AS others
         FROM sync_runs WHERE id = $1 AND kind = 'import'`,
    [importId],
  );
  return rows[0];
}
