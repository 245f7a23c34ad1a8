import type { PoolClient } from "@canopy/db";
import type { ReportModel, ReportParameters, ReportStatus } from "../model/types";
import { periodFromBounds, type ReportPeriod } from "../period";
import type { RenderedReport } from "../render";

/** One row of `reports`: a version of a report (period + boundary). */
export type ReportSummary = {
  id: string;
  version: number;
  status: ReportStatus;
  period: ReportPeriod;
  boundaryKey: string;
  /** null = every account of the organization. */
  boundaryAccountIds: string[] | null;
  parameters: ReportParameters;
  /** The locked version a draft is compared with. */
  parentReportId: string | null;
  contentSha256: string | null;
  methodologyVersion: string | null;
  dataPackChecksum: string | null;
  inputRowCounts: Record<string, number> | null;
  createdByUserId: string | null;
  finalizedByUserId: string | null;
  createdAt: string;
  computedAt: string | null;
  finalizedAt: string | null;
};

const summaryColumns = `id, version, status::text AS status, to_char(period_start, 'YYYY-MM-DD') AS "periodStart",
  to_char(period_end, 'YYYY-MM-DD') AS "periodEnd", boundary_key AS "boundaryKey", boundary_account_ids::text[] AS "boundaryAccountIds",
  parameters, parent_report_id AS "parentReportId", content_sha256 AS "contentSha256", methodology_version AS "methodologyVersion",
  data_pack_checksum AS "dataPackChecksum", input_row_counts AS "inputRowCounts", created_by_user_id AS "createdByUserId",
  finalized_by_user_id AS "finalizedByUserId", created_at AS "createdAt", computed_at AS "computedAt", finalized_at AS "finalizedAt"`;

type SummaryRow = Omit<
  ReportSummary,
  "period" | "parameters" | "createdAt" | "computedAt" | "finalizedAt"
> & {
  periodStart: string;
  periodEnd: string;
  parameters: Partial<ReportParameters> | null;
  createdAt: Date;
  computedAt: Date | null;
  finalizedAt: Date | null;
};

export const normalizeParameters = (
  p: Partial<ReportParameters> | null | undefined,
): ReportParameters => ({
  tagKeys: p?.tagKeys ?? [],
  functionalUnits: p?.functionalUnits ?? [],
});

function toSummary(row: SummaryRow): ReportSummary {
  return {
    ...row,
    period: periodFromBounds(row.periodStart, row.periodEnd),
    parameters: normalizeParameters(row.parameters),
    createdAt: row.createdAt.toISOString(),
    computedAt: row.computedAt?.toISOString() ?? null,
    finalizedAt: row.finalizedAt?.toISOString() ?? null,
  };
}

export async function listReportRows(
  client: PoolClient,
  filter: { period?: ReportPeriod } = {},
): Promise<ReportSummary[]> {
  const result = await client.query<SummaryRow>(
    `SELECT ${summaryColumns} FROM reports
     WHERE ($1::date IS NULL OR (period_start = $1::date AND period_end = $2::date))
     ORDER BY period_start DESC, period_end DESC, boundary_key, version DESC`,
    [filter.period?.start ?? null, filter.period?.end ?? null],
  );
  return result.rows.map(toSummary);
}

export async function loadReportRow(
  client: PoolClient,
  reportId: string,
  options: { forUpdate?: boolean } = {},
): Promise<(ReportSummary & { model: ReportModel | null }) | undefined> {
  const result = await client.query<SummaryRow & { model: ReportModel | null }>(
    `SELECT ${summaryColumns}, model FROM reports WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [reportId],
  );
  const row = result.rows[0];
  return row ? { ...toSummary(row), model: row.model } : undefined;
}

/** Versions of one series (period + boundary), oldest first. */
export async function loadSeries(client: PoolClient, period: ReportPeriod, boundaryKey: string) {
  const result = await client.query<SummaryRow & { model: ReportModel | null }>(
    `SELECT ${summaryColumns}, model FROM reports
     WHERE period_start = $1::date AND period_end = $2::date AND boundary_key = $3 ORDER BY version`,
    [period.start, period.end, boundaryKey],
  );
  return result.rows.map((row) => ({ ...toSummary(row), model: row.model }));
}

/** Parameters of the organization's most recent report (what a scheduled report inherits). */
export async function latestParameters(client: PoolClient): Promise<ReportParameters | undefined> {
  const result = await client.query<{ parameters: Partial<ReportParameters> }>(
    "SELECT parameters FROM reports ORDER BY created_at DESC, version DESC LIMIT 1",
  );
  return result.rows[0] ? normalizeParameters(result.rows[0].parameters) : undefined;
}

export type ReportWrite = {
  id: string;
  version: number;
  status: ReportStatus;
  period: ReportPeriod;
  boundaryKey: string;
  boundaryAccountIds: string[] | null;
  parameters: ReportParameters;
  parentReportId: string | null;
  model: ReportModel;
  userId: string | null;
};

const lineageColumns = (model: ReportModel) => [
  model.content.lineage.methodologyVersion,
  model.content.lineage.dataPackChecksum,
  model.header.contentSha256,
  JSON.stringify(model),
  JSON.stringify(model.content.lineage.inputRowCounts),
  model.header.generatedAt,
];

export async function insertReport(
  client: PoolClient,
  tenantId: string,
  write: ReportWrite,
): Promise<void> {
  await client.query(
    `INSERT INTO reports (id, tenant_id, period_start, period_end, status, version, boundary_key, boundary_account_ids,
       parameters, parent_report_id, created_by_user_id, methodology_version, data_pack_checksum, content_sha256, model,
       input_row_counts, computed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      write.id,
      tenantId,
      write.period.start,
      write.period.end,
      write.status,
      write.version,
      write.boundaryKey,
      write.boundaryAccountIds,
      JSON.stringify(write.parameters),
      write.parentReportId,
      write.userId,
      ...lineageColumns(write.model),
    ],
  );
}

/** Replaces a draft's figures (drafts recompute; the trigger refuses this on a final row). */
export async function updateDraft(
  client: PoolClient,
  reportId: string,
  update: { parameters: ReportParameters; parentReportId: string | null; model: ReportModel },
): Promise<void> {
  await client.query(
    `UPDATE reports SET parameters = $2, parent_report_id = $3, methodology_version = $4, data_pack_checksum = $5,
       content_sha256 = $6, model = $7, input_row_counts = $8, computed_at = $9
     WHERE id = $1 AND status = 'draft'`,
    [
      reportId,
      JSON.stringify(update.parameters),
      update.parentReportId,
      ...lineageColumns(update.model),
    ],
  );
}

export async function markFinal(
  client: PoolClient,
  reportId: string,
  model: ReportModel,
  userId: string | null,
): Promise<void> {
  await client.query(
    `UPDATE reports SET status = 'final', methodology_version = $2, data_pack_checksum = $3, content_sha256 = $4, model = $5,
       input_row_counts = $6, computed_at = $7, finalized_at = $8, finalized_by_user_id = $9
     WHERE id = $1 AND status = 'draft'`,
    [reportId, ...lineageColumns(model), model.header.finalizedAt, userId],
  );
}

export async function insertReportFile(
  client: PoolClient,
  tenantId: string,
  reportId: string,
  file: RenderedReport & { sha256: string },
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

export async function writeAudit(
  client: PoolClient,
  tenantId: string,
  entry: {
    userId: string | null;
    label: string;
    action: string;
    reportId: string;
    details: Record<string, unknown>;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor_label, action, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, 'report', $5, $6)`,
    [
      tenantId,
      entry.userId,
      entry.label,
      entry.action,
      entry.reportId,
      JSON.stringify(entry.details),
    ],
  );
}
