import type { PoolClient } from "pg";
import { z } from "zod";
import {
  accountReplacementSchema,
  importSummarySchema,
  replacementPreviewSchema,
  type AccountReplacement,
  type ImportSummary,
  type ReplacementPreview,
} from "../json/import-summary";
import { parseStoredJson } from "../json/parse";
import {
  apiCostSchema,
  parseImportSummary,
  parseSyncRunDetails,
  type ApiCost,
  type SyncRunDetails,
} from "../json/sync-run-details";

/**
 * sync_runs: one row per import or sync. `details` is the run's stored summary (jsonb), of the
 * schema of its kind (json/import-summary.ts, json/sync-run-details.ts): parsed here on read.
 */

/** An import's status and stored summary, in the caller's tenant transaction. */
export async function importRunStatus(
  client: PoolClient,
  syncRunId: string,
): Promise<{ status: string; details: ImportSummary } | undefined> {
  const result = await client.query<{ status: string; details: unknown }>(
    "SELECT status, details FROM sync_runs WHERE id = $1 AND kind = 'import'",
    [syncRunId],
  );
  const row = result.rows[0];
  // Never null: the upload recorded the import with its summary.
  return (
    row && {
      status: row.status,
      details: parseStoredJson(
        importSummarySchema,
        row.details,
        `sync_runs.details of import ${syncRunId}`,
      ),
    }
  );
}

export type RecentSyncRun = {
  id: string;
  kind: string;
  status: string;
  createdAt: Date;
  details: SyncRunDetails | null;
};

/** The 50 latest runs of the tenant, newest first, or the one with `id`. */
export async function recentSyncRuns(
  client: PoolClient,
  filter: { id?: string } = {},
): Promise<RecentSyncRun[]> {
  const [where, params] = filter.id === undefined ? ["", []] : ["WHERE id = $1", [filter.id]];
  const result = await client.query<Omit<RecentSyncRun, "details"> & { details: unknown }>(
    `SELECT id, kind::text AS kind, status::text AS status, created_at AS "createdAt", details FROM sync_runs
           ${where} ORDER BY created_at DESC LIMIT 50`,
    params,
  );
  return result.rows.map((row) => ({
    ...row,
    details: parseSyncRunDetails(row.kind, row.details, row.id),
  }));
}

export type ImportRun = {
  id: string;
  windowStart: Date | null;
  windowEnd: Date | null;
  details: ImportSummary | null;
};

/** Finished file imports whose span overlaps the period (their left-out lines feed coverage). */
export async function loadImportRuns(
  client: PoolClient,
  start: string,
  end: string,
): Promise<ImportRun[]> {
  const result = await client.query<Omit<ImportRun, "details"> & { details: unknown }>(
    `SELECT id, window_start AS "windowStart", window_end AS "windowEnd", details
     FROM sync_runs
     WHERE kind = 'import' AND status = 'succeeded'
       AND coalesce((details -> 'span' ->> 'start')::timestamptz, window_start) < $2::timestamptz
       AND coalesce((details -> 'span' ->> 'end')::timestamptz, window_end) > $1::timestamptz
     ORDER BY created_at, id`,
    [start, end],
  );
  return result.rows.map((row) => ({ ...row, details: parseImportSummary(row.details, row.id) }));
}

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const importColumns = `id, status, ${iso("created_at")} AS "createdAt", ${iso("finished_at")} AS "finishedAt", error, details`;
const runColumns = `id, status::text AS status, ${iso("created_at")} AS "createdAt", ${iso("finished_at")} AS "finishedAt", error, details`;

export type SyncRunStatus = "queued" | "running" | "awaiting_confirmation" | "succeeded" | "failed";

/** A run as the imports API shows it (times as ISO strings). */
export type ImportRunRow<Details extends SyncRunDetails = ImportSummary> = {
  id: string;
  status: SyncRunStatus;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  details: Details | null;
};
type StoredRunRow = Omit<ImportRunRow, "details"> & { details: unknown };

const importRunRowOf = (row: StoredRunRow): ImportRunRow => ({
  ...row,
  details: parseImportSummary(row.details, row.id),
});

/**
 * One page of the tenant's imports, newest first: those before the (createdAt, id) cursor, at most
 * `limit` rows.
 */
export async function listImportRunRows(
  client: PoolClient,
  page: { createdBefore: string | null; idBefore: string | null; limit: number },
): Promise<ImportRunRow[]> {
  const result = await client.query<StoredRunRow>(
    `SELECT ${importColumns} FROM sync_runs
       WHERE kind = 'import'
         AND ($1::timestamptz IS NULL OR (date_trunc('milliseconds', created_at), id) < ($1::timestamptz, $2::uuid))
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT $3`,
    [page.createdBefore, page.idBefore, page.limit],
  );
  return result.rows.map(importRunRowOf);
}

/** One import of the tenant. */
export async function importRunRow(
  client: PoolClient,
  id: string,
): Promise<ImportRunRow | undefined> {
  const result = await client.query<StoredRunRow>(
    `SELECT ${importColumns} FROM sync_runs WHERE id = $1 AND kind = 'import'`,
    [id],
  );
  const row = result.rows[0];
  return row && importRunRowOf(row);
}

/** One run of the tenant whose kind is one of `kinds`, with its kind. */
export async function syncRunRowOfKinds<Kind extends string>(
  client: PoolClient,
  id: string,
  kinds: readonly Kind[],
): Promise<(ImportRunRow<SyncRunDetails> & { kind: Kind }) | undefined> {
  const result = await client.query<StoredRunRow & { kind: Kind }>(
    `SELECT ${runColumns}, kind::text AS kind FROM sync_runs WHERE id = $1 AND kind::text = ANY($2::text[])`,
    [id, kinds],
  );
  const row = result.rows[0];
  return row && { ...row, details: parseSyncRunDetails(row.kind, row.details, row.id) };
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
export type SyncRunListRow = {
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
  /** What the run replaced (kept as a previous version), when it replaced anything. */
  replaced: AccountReplacement[] | null;
  /** When its previous version was restored. */
  restoredAt: string | null;
  /** An import whose uploaded file the retention deleted (CANOPY_IMPORT_FILE_RETENTION_DAYS). */
  fileDeletedAt: string | null;
  /** While awaiting confirmation: what the import would replace and why it asks. */
  preview: ReplacementPreview | null;
  /** Provider requests the run paid for (AWS Cost Explorer: USD 0.01 each), when it made any. */
  apiCost: ApiCost | null;
  /** Runs under the status filter in all. */
  total: number;
};

/** Recent runs (imports, syncs, backfills, re-estimations), newest first, optionally of one status. */
export async function listSyncRunRows(
  client: PoolClient,
  options: { limit: number; offset: number; status?: string | undefined },
): Promise<SyncRunListRow[]> {
  const result = await client.query<SyncRunListRow>(
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
  return result.rows.map((row) => {
    const what = (field: string) => `sync_runs.details.${field} of ${row.kind} run ${row.id}`;
    return {
      ...row,
      replaced: row.replaced && parseStoredJson(replacedListSchema, row.replaced, what("replaced")),
      preview:
        row.preview && parseStoredJson(replacementPreviewSchema, row.preview, what("preview")),
      apiCost: row.apiCost && parseStoredJson(apiCostSchema, row.apiCost, what("apiCost")),
    };
  });
}

const replacedListSchema = z.array(accountReplacementSchema);

/**
 * What an import refused for holding other accounts than the one expected recorded: the expected
 * account and the others (as stored in details); undefined when there is no such import.
 */
export async function importAccountMismatchRow(
  client: PoolClient,
  importId: string,
): Promise<{ expected: string | null; others: OtherAccounts | null } | undefined> {
  const { rows } = await client.query<{ expected: string | null; others: unknown }>(
    `SELECT details->>'expectedCloudAccountId' AS expected, details->'otherAccounts' AS others
         FROM sync_runs WHERE id = $1 AND kind = 'import'`,
    [importId],
  );
  const row = rows[0];
  return (
    row && {
      expected: row.expected,
      others:
        row.others === null
          ? null
          : parseStoredJson(
              otherAccountsSchema,
              row.others,
              `sync_runs.details.otherAccounts of import ${importId}`,
            ),
    }
  );
}

const otherAccountsSchema = importSummarySchema.shape.otherAccounts.unwrap();
type OtherAccounts = z.infer<typeof otherAccountsSchema>;
