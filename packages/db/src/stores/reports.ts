import type { PoolClient } from "pg";
import type { Connection } from "../client";
import { parseStoredJson } from "../json/parse";
import { spendSchema, type StoredSpend } from "../json/report-model";

const spendListSchema = spendSchema.array();

/**
 * reports and report_files: the versions of each report series (period + boundary) and their rendered
 * files. @canopy/reports declares the model's type and passes it in; it parses `parameters` with
 * reportParametersSchema (@canopy/db/json) and maps these rows to its ReportSummary.
 */

const summaryColumns = `id, version, status::text AS status, to_char(period_start, 'YYYY-MM-DD') AS "periodStart",
  to_char(period_end, 'YYYY-MM-DD') AS "periodEnd", boundary_key AS "boundaryKey", boundary_account_ids::text[] AS "boundaryAccountIds",
  parameters, parent_report_id AS "parentReportId", content_sha256 AS "contentSha256", methodology_version AS "methodologyVersion",
  data_pack_checksum AS "dataPackChecksum", input_row_counts AS "inputRowCounts", created_by_user_id AS "createdByUserId",
  finalized_by_user_id AS "finalizedByUserId", created_at AS "createdAt", computed_at AS "computedAt", finalized_at AS "finalizedAt"`;

/** One row of `reports` without its model, as stored. */
export type ReportSummaryRow = {
  id: string;
  version: number;
  status: string;
  periodStart: string;
  periodEnd: string;
  boundaryKey: string;
  boundaryAccountIds: string[] | null;
  /** As stored: parse with reportParametersSchema. */
  parameters: unknown;
  parentReportId: string | null;
  contentSha256: string | null;
  methodologyVersion: string | null;
  dataPackChecksum: string | null;
  inputRowCounts: Record<string, number> | null;
  createdByUserId: string | null;
  finalizedByUserId: string | null;
  createdAt: Date;
  computedAt: Date | null;
  finalizedAt: Date | null;
};

export type ReportRow<Model> = ReportSummaryRow & { model: Model | null };

/** Versions of every series, or of one period's, newest period first. */
export async function listReportSummaryRows(
  client: PoolClient,
  period: { start: string; end: string } | undefined,
): Promise<ReportSummaryRow[]> {
  const result = await client.query<ReportSummaryRow>(
    `SELECT ${summaryColumns} FROM reports
     WHERE ($1::date IS NULL OR (period_start = $1::date AND period_end = $2::date))
     ORDER BY period_start DESC, period_end DESC, boundary_key, version DESC`,
    [period?.start ?? null, period?.end ?? null],
  );
  return result.rows;
}

/** One report version with its model (`forUpdate`: locked for the caller's transaction). */
export async function loadReportVersionRow<Model>(
  client: PoolClient,
  reportId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ReportRow<Model> | undefined> {
  const result = await client.query<ReportRow<Model>>(
    `SELECT ${summaryColumns}, model FROM reports WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [reportId],
  );
  return result.rows[0];
}

/** Versions of one series (period + boundary), oldest first. */
export async function loadReportSeriesRows<Model>(
  client: PoolClient,
  period: { start: string; end: string },
  boundaryKey: string,
): Promise<ReportRow<Model>[]> {
  const result = await client.query<ReportRow<Model>>(
    `SELECT ${summaryColumns}, model FROM reports
     WHERE period_start = $1::date AND period_end = $2::date AND boundary_key = $3 ORDER BY version`,
    [period.start, period.end, boundaryKey],
  );
  return result.rows;
}

/** The organization's most recent report and its parameters as stored (parse with reportParametersSchema). */
export async function latestReportParameters(
  client: PoolClient,
): Promise<{ id: string; parameters: unknown } | undefined> {
  const result = await client.query<{ id: string; parameters: unknown }>(
    "SELECT id, parameters FROM reports ORDER BY created_at DESC, version DESC LIMIT 1",
  );
  return result.rows[0];
}

/** What a computed model sets on its row (JSON already serialized). */
export type ReportLineageValues = {
  methodologyVersion: string | null;
  dataPackChecksum: string | null;
  contentSha256: string;
  modelJson: string;
  inputRowCountsJson: string;
  computedAt: string;
};

const lineageParams = (lineage: ReportLineageValues) => [
  lineage.methodologyVersion,
  lineage.dataPackChecksum,
  lineage.contentSha256,
  lineage.modelJson,
  lineage.inputRowCountsJson,
  lineage.computedAt,
];

export type ReportVersionInsert = {
  id: string;
  tenantId: string;
  period: { start: string; end: string };
  status: string;
  version: number;
  boundaryKey: string;
  boundaryAccountIds: string[] | null;
  parametersJson: string;
  parentReportId: string | null;
  userId: string | null;
  lineage: ReportLineageValues;
};

export async function insertReportVersion(
  client: PoolClient,
  write: ReportVersionInsert,
): Promise<void> {
  await client.query(
    `INSERT INTO reports (id, tenant_id, period_start, period_end, status, version, boundary_key, boundary_account_ids,
       parameters, parent_report_id, created_by_user_id, methodology_version, data_pack_checksum, content_sha256, model,
       input_row_counts, computed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      write.id,
      write.tenantId,
      write.period.start,
      write.period.end,
      write.status,
      write.version,
      write.boundaryKey,
      write.boundaryAccountIds,
      write.parametersJson,
      write.parentReportId,
      write.userId,
      ...lineageParams(write.lineage),
    ],
  );
}

/** Replaces a draft's figures (drafts recompute; the trigger refuses this on a final row). */
export async function updateReportDraft(
  client: PoolClient,
  reportId: string,
  update: { parametersJson: string; parentReportId: string | null; lineage: ReportLineageValues },
): Promise<void> {
  await client.query(
    `UPDATE reports SET parameters = $2, parent_report_id = $3, methodology_version = $4, data_pack_checksum = $5,
       content_sha256 = $6, model = $7, input_row_counts = $8, computed_at = $9
     WHERE id = $1 AND status = 'draft'`,
    [reportId, update.parametersJson, update.parentReportId, ...lineageParams(update.lineage)],
  );
}

export async function markReportFinal(
  client: PoolClient,
  reportId: string,
  final: { lineage: ReportLineageValues; finalizedAt: string | null; userId: string | null },
): Promise<void> {
  await client.query(
    `UPDATE reports SET status = 'final', methodology_version = $2, data_pack_checksum = $3, content_sha256 = $4, model = $5,
       input_row_counts = $6, computed_at = $7, finalized_at = $8, finalized_by_user_id = $9
     WHERE id = $1 AND status = 'draft'`,
    [reportId, ...lineageParams(final.lineage), final.finalizedAt, final.userId],
  );
}

/** Serializes work on one series in the caller's transaction (key: tenant, period and boundary). */
export async function lockReportSeries(client: PoolClient, seriesKey: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", [seriesKey]);
}

export type ReportFileWrite = {
  format: string;
  fileName: string;
  contentType: string;
  body: Buffer;
  sha256: string;
};

export async function insertReportFile(
  client: PoolClient,
  tenantId: string,
  reportId: string,
  file: ReportFileWrite,
): Promise<void> {
  await client.query(
    `INSERT INTO report_files (tenant_id, report_id, format, file_name, content_type, content, sha256, bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      tenantId,
      reportId,
      file.format,
      file.fileName,
      file.contentType,
      file.body,
      file.sha256,
      file.body.length,
    ],
  );
}

export async function loadReportFile(client: PoolClient, reportId: string, format: string) {
  const result = await client.query<{
    fileName: string;
    contentType: string;
    content: Buffer;
    sha256: string;
  }>(
    `SELECT file_name AS "fileName", content_type AS "contentType", content, sha256 FROM report_files
     WHERE report_id = $1 AND format = $2`,
    [reportId, format],
  );
  return result.rows[0];
}

/**
 * Tenants with emissions in the month [start, end) and no whole-organization report for it yet
 * (owner connection: the scheduler looks across tenants).
 */
export async function tenantsWithoutMonthlyReport(
  owner: Connection,
  period: { start: string; end: string },
): Promise<string[]> {
  const { rows } = await owner.pool.query<{ tenantId: string }>(
    `SELECT DISTINCT m.tenant_id AS "tenantId" FROM emissions_monthly m
     WHERE m.month = $1::date
       AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.tenant_id = m.tenant_id AND r.period_start = $1::date
                       AND r.period_end = $2::date AND r.boundary_key = 'all')
     ORDER BY 1`,
    [period.start, period.end],
  );
  return rows.map((row) => row.tenantId);
}

/**
 * Every series whose latest version is final, with the totals and methodology versions it locked and
 * what the monthly rollups of its period and boundary hold now (owner connection, across tenants).
 */
export type LockedSeriesTotals = {
  tenantId: string;
  periodStart: string;
  periodEnd: string;
  accountIds: string[] | null;
  /** null when the locked model has no total. */
  lockedKg: number | null;
  lockedVersions: string[];
  currentKg: number;
  currentVersions: string[];
};

export async function lockedSeriesTotals(owner: Connection): Promise<LockedSeriesTotals[]> {
  const { rows } = await owner.pool.query<LockedSeriesTotals>(
    `WITH latest AS (
       SELECT DISTINCT ON (tenant_id, period_start, period_end, boundary_key)
              id, tenant_id, period_start, period_end, boundary_account_ids, status,
              (model -> 'content' -> 'totals' ->> 'co2eLocationKg')::float8 AS locked_kg,
              coalesce((SELECT array_agg(DISTINCT e ->> 'methodologyVersion' ORDER BY e ->> 'methodologyVersion')
                        FROM jsonb_array_elements(model -> 'content' -> 'dataQuality' -> 'methodologies') e), '{}') AS locked_versions
       FROM reports ORDER BY tenant_id, period_start, period_end, boundary_key, version DESC)
     SELECT l.tenant_id AS "tenantId", to_char(l.period_start, 'YYYY-MM-DD') AS "periodStart",
            to_char(l.period_end, 'YYYY-MM-DD') AS "periodEnd", l.boundary_account_ids::text[] AS "accountIds",
            l.locked_kg AS "lockedKg", l.locked_versions AS "lockedVersions",
            coalesce(sum(m.co2e_location_kg), 0)::float8 AS "currentKg",
            coalesce(array_agg(DISTINCT m.methodology_version ORDER BY m.methodology_version)
                     FILTER (WHERE m.methodology_version IS NOT NULL), '{}') AS "currentVersions"
     FROM latest l
     LEFT JOIN emissions_monthly m ON m.tenant_id = l.tenant_id AND m.month >= l.period_start AND m.month < l.period_end
       AND (l.boundary_account_ids IS NULL OR m.cloud_account_id = ANY(l.boundary_account_ids))
     WHERE l.status = 'final'
     GROUP BY l.id, l.tenant_id, l.period_start, l.period_end, l.boundary_account_ids, l.locked_kg, l.locked_versions`,
  );
  return rows;
}

/** Headline figures of report versions read from their stored models, for the reports list. */
export async function reportModelHeadlines(
  client: PoolClient,
  ids: string[],
): Promise<
  {
    id: string;
    location: number | null;
    market: number | null;
    spend: StoredSpend[] | null;
  }[]
> {
  const { rows } = await client.query<{
    id: string;
    location: number | null;
    market: number | null;
    spend: unknown;
  }>(
    `SELECT id, (model #>> '{content,customerView,scope3Category1LocationKg}')::float8 AS location,
            (model #>> '{content,customerView,scope3Category1MarketKg}')::float8 AS market,
            model #> '{content,spend}' AS spend
     FROM reports WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map((row) => ({
    ...row,
    spend:
      row.spend === null
        ? null
        : parseStoredJson(
            spendListSchema,
            row.spend,
            `reports.model.content.spend of report ${row.id}`,
          ),
  }));
}

/**
 * The caller's organization's name and how many whole-organization reports it has for the period;
 * undefined when the organization does not exist.
 */
export async function organizationReportsForPeriod(
  client: PoolClient,
  period: { start: string; end: string },
): Promise<{ name: string; reports: number } | undefined> {
  const result = await client.query<{ name: string; reports: number }>(
    `SELECT name, (SELECT count(*)::int FROM reports WHERE period_start = $1::date AND period_end = $2::date
                        AND boundary_key = 'all') AS reports FROM tenants`,
    [period.start, period.end],
  );
  return result.rows[0];
}
