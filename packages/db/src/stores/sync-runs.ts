import type { PoolClient } from "pg";
import type { Connection } from "../client";
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
  accountSyncDetailsSchema,
  apiCostSchema,
  parseImportSummary,
  parseSyncRunDetails,
  type AccountSyncDetails,
  type ApiCost,
  type SyncRunDetails,
} from "../json/sync-run-details";

/**
 * sync_runs: one row per import or sync. `details` is the run's stored summary (jsonb), of the
 * schema of its kind (json/import-summary.ts, json/sync-run-details.ts): parsed here on read.
 */

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

/*
 * The run lifecycle the jobs drive: syncs (sync-account), file imports (submitImport, import-file,
 * confirmImport) and the watchdog. Each function runs in the caller's tenant transaction unless it
 * takes the owner connection (cross-tenant housekeeping).
 */

/** A sync's run as an earlier attempt of the same job left it. */
export type SyncRunOfJob = {
  id: string;
  status: string;
  windowStart: Date | null;
  windowEnd: Date | null;
  details: AccountSyncDetails;
};

/** The newest run of the account started by the job with this id (its retries share it), if any. */
export async function syncRunOfJob(
  client: PoolClient,
  cloudAccountId: string,
  jobId: string,
): Promise<SyncRunOfJob | undefined> {
  const { rows } = await client.query<Omit<SyncRunOfJob, "details"> & { details: unknown }>(
    `SELECT id, status::text AS status, window_start AS "windowStart", window_end AS "windowEnd", details
       FROM sync_runs WHERE cloud_account_id = $1 AND details->>'jobId' = $2 ORDER BY created_at DESC LIMIT 1`,
    [cloudAccountId, jobId],
  );
  const row = rows[0];
  return (
    row && {
      ...row,
      details: parseStoredJson(
        accountSyncDetailsSchema,
        row.details,
        `sync_runs.details of sync run ${row.id}`,
      ),
    }
  );
}

/** Puts an earlier attempt's run back to running over the window, with `details`. */
export async function restartSyncRun(
  client: PoolClient,
  syncRunId: string,
  details: AccountSyncDetails,
  window: { start: Date; end: Date },
): Promise<void> {
  await client.query(
    `UPDATE sync_runs SET status = 'running', started_at = now(), finished_at = NULL, error = NULL, details = $2,
           window_start = $3, window_end = $4 WHERE id = $1`,
    [syncRunId, details, window.start, window.end],
  );
}

/** Starts a sync or backfill run of the account over the window; returns its id. */
export async function insertRunningSyncRun(
  client: PoolClient,
  run: {
    tenantId: string;
    cloudAccountId: string;
    kind: "sync" | "backfill";
    window: { start: Date; end: Date };
    details: AccountSyncDetails;
  },
): Promise<string> {
  const created = await client.query<{ id: string }>(
    `INSERT INTO sync_runs (tenant_id, cloud_account_id, kind, status, window_start, window_end, details, started_at)
       VALUES ($1, $2, $3, 'running', $4, $5, $6, now()) RETURNING id`,
    [run.tenantId, run.cloudAccountId, run.kind, run.window.start, run.window.end, run.details],
  );
  return created.rows[0]!.id;
}

/** A running sync's record and row counts after a chunk (in the chunk's own transaction). */
export async function recordSyncRunProgress(
  client: PoolClient,
  syncRunId: string,
  details: AccountSyncDetails,
  totals: { rowsRead: number; rowsWritten: number },
): Promise<void> {
  await client.query(
    "UPDATE sync_runs SET status = 'running', details = $2, rows_read = $3, rows_written = $4 WHERE id = $1",
    [syncRunId, details, totals.rowsRead, totals.rowsWritten],
  );
}

/** A sync that stored every chunk: succeeded, with its final counts and record. */
export async function markSyncRunSucceeded(
  client: PoolClient,
  syncRunId: string,
  outcome: {
    rowsRead: number;
    rowsWritten: number;
    rowsSkipped: number;
    details: AccountSyncDetails;
  },
): Promise<void> {
  await client.query(
    `UPDATE sync_runs SET status = 'succeeded', finished_at = now(), rows_read = $2, rows_written = $3, rows_skipped = $4,
             details = $5, error = NULL WHERE id = $1`,
    [syncRunId, outcome.rowsRead, outcome.rowsWritten, outcome.rowsSkipped, outcome.details],
  );
}

/** A sync that failed for good, with the reason and its record so far. */
export async function markSyncRunFailed(
  client: PoolClient,
  syncRunId: string,
  error: string,
  details: AccountSyncDetails,
): Promise<void> {
  await client.query(
    "UPDATE sync_runs SET status = 'failed', finished_at = now(), error = $2, details = $3 WHERE id = $1",
    [syncRunId, error, details],
  );
}

/**
 * Serializes the uploads of one organization for the rest of the caller's transaction, so each
 * checks the storage quota against the files recorded before it.
 */
export async function lockImportQuota(client: PoolClient, tenantId: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `canopy:import-quota:${tenantId}`,
  ]);
}

/** Bytes of the tenant's uploaded files still kept (details.bytes of imports whose file is not deleted). */
export async function storedImportBytes(client: PoolClient): Promise<number> {
  const result = await client.query<{ used: string }>(
    `SELECT coalesce(sum((details->>'bytes')::bigint), 0)::text AS used FROM sync_runs
     WHERE kind = 'import' AND details IS NOT NULL AND NOT details ? 'fileDeletedAt'`,
  );
  return Number(result.rows[0]!.used);
}

/** Records an accepted upload as a queued import with this id. */
export async function insertQueuedImport(
  client: PoolClient,
  run: { id: string; tenantId: string; details: ImportSummary },
): Promise<void> {
  await client.query(
    `INSERT INTO sync_runs (id, tenant_id, kind, status, details) VALUES ($1, $2, 'import', 'queued', $3)`,
    [run.id, run.tenantId, run.details],
  );
}

/**
 * An import's status while it runs or fails: `started` stamps started_at, `failed` finished_at.
 */
export async function updateImportRun(
  client: PoolClient,
  syncRunId: string,
  update: {
    status: "running" | "failed";
    details: ImportSummary;
    error: string | null;
    started: boolean;
  },
): Promise<void> {
  await client.query(
    `UPDATE sync_runs SET status = $2::sync_run_status, details = $3, error = $4,
         started_at = CASE WHEN $5::boolean THEN now() ELSE started_at END,
         finished_at = CASE WHEN $2::sync_run_status = 'failed' THEN now() ELSE finished_at END
       WHERE id = $1`,
    [syncRunId, update.status, update.details, update.error, update.started],
  );
}

/** An import that stored its usage: succeeded, with its counts, span and summary. */
export async function markImportSucceeded(
  client: PoolClient,
  syncRunId: string,
  outcome: {
    linesRead: number;
    rowsWritten: number;
    rowsSkipped: number;
    span: { start: string; end: string } | null;
    details: ImportSummary;
  },
): Promise<void> {
  await client.query(
    `UPDATE sync_runs SET status = 'succeeded', finished_at = clock_timestamp(), rows_read = $2, rows_written = $3,
             rows_skipped = $4, window_start = $5, window_end = $6, details = $7, error = NULL WHERE id = $1`,
    [
      syncRunId,
      outcome.linesRead,
      outcome.rowsWritten,
      outcome.rowsSkipped,
      outcome.span?.start ?? null,
      outcome.span?.end ?? null,
      outcome.details,
    ],
  );
}

/** An import that would replace stored data waits for the user, its summary holding the preview. */
export async function markImportAwaitingConfirmation(
  client: PoolClient,
  syncRunId: string,
  details: ImportSummary,
  error: string,
): Promise<void> {
  await client.query(
    `UPDATE sync_runs SET status = 'awaiting_confirmation', details = $2, error = $3, finished_at = clock_timestamp()
             WHERE id = $1`,
    [syncRunId, details, error],
  );
}

/**
 * Queues again an import awaiting confirmation whose file is still kept, with the replacement
 * confirmed; false when the import is in another state or its file is gone.
 */
export async function requeueConfirmedImport(
  client: PoolClient,
  syncRunId: string,
): Promise<boolean> {
  const updated = await client.query(
    `UPDATE sync_runs SET status = 'queued', error = NULL, finished_at = NULL,
         details = details || '{"replaceConfirmed": true}'::jsonb
       WHERE id = $1 AND kind = 'import' AND status = 'awaiting_confirmation'
         AND NOT coalesce(details ? 'fileDeletedAt', false)`,
    [syncRunId],
  );
  return updated.rowCount !== 0;
}

/**
 * Up to `limit` finished imports (any organization: owner connection) that finished more than
 * `retentionDays` ago and still have their uploaded file, in id order after `afterId`.
 */
export async function expiredImportFiles(
  owner: Connection,
  retentionDays: number,
  afterId: string,
  limit: number,
): Promise<{ id: string; fileKey: string }[]> {
  const { rows } = await owner.pool.query<{ id: string; fileKey: string }>(
    `SELECT id, details->>'fileKey' AS "fileKey" FROM sync_runs
       WHERE kind = 'import' AND status IN ('succeeded', 'failed')
         AND details ? 'fileKey' AND details->>'fileKey' <> '' AND NOT details ? 'fileDeletedAt'
         AND coalesce(finished_at, created_at) < now() - make_interval(days => $1)
         AND id > $2
       ORDER BY id LIMIT $3`,
    [retentionDays, afterId, limit],
  );
  return rows;
}

/** Marks the imports' files deleted at `deletedAt` (ISO); returns how many it marked. */
export async function markImportFilesDeleted(
  owner: Connection,
  syncRunIds: string[],
  deletedAt: string,
): Promise<number> {
  const marked = await owner.pool.query(
    `UPDATE sync_runs SET details = details || jsonb_build_object('fileDeletedAt', $2::text)
         WHERE id = ANY($1::uuid[]) AND NOT details ? 'fileDeletedAt'`,
    [syncRunIds, deletedAt],
  );
  return marked.rowCount ?? 0;
}

/** The runs a job works on: one run by id, or the syncs and backfills of an account. */
export type JobRuns = { syncRunId: string } | { syncsOfAccount: string };

const jobRunsFilter = (runs: JobRuns): { where: string; params: unknown[] } =>
  "syncRunId" in runs
    ? { where: "id = $1", params: [runs.syncRunId] }
    : {
        where: "cloud_account_id = $1 AND kind IN ('sync', 'backfill')",
        params: [runs.syncsOfAccount],
      };

/** Stamps the job's running runs as alive (`heartbeat_at`) at this attempt. */
export async function touchJobRuns(
  client: PoolClient,
  runs: JobRuns,
  attempt: number,
): Promise<void> {
  const filter = jobRunsFilter(runs);
  const n = filter.params.length + 1;
  await client.query(
    `UPDATE sync_runs SET heartbeat_at = now(), attempt = $${n}
       WHERE ${filter.where} AND status = 'running'`,
    [...filter.params, attempt],
  );
}

async function markRunFailed(client: Pick<PoolClient, "query">, id: string, reason: string) {
  await client.query(
    `UPDATE sync_runs SET status = 'failed', finished_at = now(), error = $2,
       details = coalesce(details, '{}'::jsonb) || jsonb_build_object('error', $2::text)
     WHERE id = $1`,
    [id, reason],
  );
}

/**
 * Marks the job's runs still queued or running failed with `reason(kind)` (locked first, so a run
 * finishing meanwhile waits); returns how many it marked.
 */
export async function failActiveJobRuns(
  client: PoolClient,
  runs: JobRuns,
  reason: (kind: string) => string,
): Promise<number> {
  const filter = jobRunsFilter(runs);
  const { rows } = await client.query<{ id: string; kind: string }>(
    `SELECT id, kind FROM sync_runs WHERE ${filter.where} AND status IN ('queued', 'running') FOR UPDATE`,
    filter.params,
  );
  for (const row of rows) await markRunFailed(client, row.id, reason(row.kind));
  return rows.length;
}

/** Runs of any organization (owner connection) running with no progress for `staleAfterMs`. */
export async function stalledRuns(
  owner: Connection,
  staleAfterMs: number,
): Promise<{ id: string; kind: string; attempt: number | null }[]> {
  const { rows } = await owner.pool.query<{ id: string; kind: string; attempt: number | null }>(
    `SELECT id, kind, attempt FROM sync_runs
     WHERE status = 'running'
       AND coalesce(heartbeat_at, started_at, created_at)
           < now() - make_interval(secs => $1::float8 / 1000)`,
    [staleAfterMs],
  );
  return rows;
}

/**
 * Fails a stalled run with `reason`, re-checking under the update that it is still stalled; false
 * when it moved on meanwhile.
 */
export async function failStalledRun(
  owner: Connection,
  syncRunId: string,
  reason: string,
  staleAfterMs: number,
): Promise<boolean> {
  const result = await owner.pool.query(
    `UPDATE sync_runs SET status = 'failed', finished_at = now(), error = $2,
         details = coalesce(details, '{}'::jsonb) || jsonb_build_object('error', $2::text)
       WHERE id = $1 AND status = 'running'
         AND coalesce(heartbeat_at, started_at, created_at)
             < now() - make_interval(secs => $3::float8 / 1000)`,
    [syncRunId, reason, staleAfterMs],
  );
  return Boolean(result.rowCount);
}
const otherAccountsSchema = importSummarySchema.shape.otherAccounts.unwrap();
type OtherAccounts = z.infer<typeof otherAccountsSchema>;
