import {
  parseStoredJson,
  reportParametersSchema,
  insertReportVersion,
  latestReportParameters,
  listReportSummaryRows,
  loadReportSeriesRows,
  loadReportVersionRow,
  markReportFinal,
  updateReportDraft,
  writeAuditEntry,
  type AuditDetails,
  type PoolClient,
  type ReportLineageValues,
  type ReportSummaryRow,
} from "@canopy/db";
import type { ReportModel, ReportParameters, ReportStatus } from "../model/types";
import { periodFromBounds, type ReportPeriod } from "../period";

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

/** A report's stored parameters, parsed (a field a version lacks reads as empty). */
const storedParameters = (reportId: string, stored: unknown): ReportParameters =>
  parseStoredJson(reportParametersSchema, stored ?? {}, `reports.parameters of report ${reportId}`);

function toSummary(row: ReportSummaryRow): ReportSummary {
  return {
    ...row,
    status: row.status as ReportStatus,
    period: periodFromBounds(row.periodStart, row.periodEnd),
    parameters: storedParameters(row.id, row.parameters),
    createdAt: row.createdAt.toISOString(),
    computedAt: row.computedAt?.toISOString() ?? null,
    finalizedAt: row.finalizedAt?.toISOString() ?? null,
  };
}

export async function listReportRows(
  client: PoolClient,
  filter: { period?: ReportPeriod } = {},
): Promise<ReportSummary[]> {
  const rows = await listReportSummaryRows(client, filter.period);
  return rows.map(toSummary);
}

export async function loadReportRow(
  client: PoolClient,
  reportId: string,
  options: { forUpdate?: boolean } = {},
): Promise<(ReportSummary & { model: ReportModel | null }) | undefined> {
  const row = await loadReportVersionRow<ReportModel>(client, reportId, options);
  return row ? { ...toSummary(row), model: row.model } : undefined;
}

/** Versions of one series (period + boundary), oldest first. */
export async function loadSeries(client: PoolClient, period: ReportPeriod, boundaryKey: string) {
  const rows = await loadReportSeriesRows<ReportModel>(client, period, boundaryKey);
  return rows.map((row) => ({ ...toSummary(row), model: row.model }));
}

/** Parameters of the organization's most recent report (what a scheduled report inherits). */
export async function latestParameters(client: PoolClient): Promise<ReportParameters | undefined> {
  const latest = await latestReportParameters(client);
  return latest ? storedParameters(latest.id, latest.parameters) : undefined;
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

const lineageValues = (model: ReportModel): ReportLineageValues => ({
  methodologyVersion: model.content.lineage.methodologyVersion,
  dataPackChecksum: model.content.lineage.dataPackChecksum,
  contentSha256: model.header.contentSha256,
  modelJson: JSON.stringify(model),
  inputRowCountsJson: JSON.stringify(model.content.lineage.inputRowCounts),
  computedAt: model.header.generatedAt,
});

export async function insertReport(
  client: PoolClient,
  tenantId: string,
  write: ReportWrite,
): Promise<void> {
  await insertReportVersion(client, {
    id: write.id,
    tenantId,
    period: write.period,
    status: write.status,
    version: write.version,
    boundaryKey: write.boundaryKey,
    boundaryAccountIds: write.boundaryAccountIds,
    parametersJson: JSON.stringify(write.parameters),
    parentReportId: write.parentReportId,
    userId: write.userId,
    lineage: lineageValues(write.model),
  });
}

/** Replaces a draft's figures (drafts recompute; the trigger refuses this on a final row). */
export async function updateDraft(
  client: PoolClient,
  reportId: string,
  update: { parameters: ReportParameters; parentReportId: string | null; model: ReportModel },
): Promise<void> {
  await updateReportDraft(client, reportId, {
    parametersJson: JSON.stringify(update.parameters),
    parentReportId: update.parentReportId,
    lineage: lineageValues(update.model),
  });
}

export async function markFinal(
  client: PoolClient,
  reportId: string,
  model: ReportModel,
  userId: string | null,
): Promise<void> {
  await markReportFinal(client, reportId, {
    lineage: lineageValues(model),
    finalizedAt: model.header.finalizedAt,
    userId,
  });
}

export async function writeAudit(
  client: PoolClient,
  tenantId: string,
  entry: {
    userId: string | null;
    label: string;
    action: string;
    reportId: string;
    details: AuditDetails;
  },
): Promise<void> {
  await writeAuditEntry(client, {
    tenantId,
    actorUserId: entry.userId,
    actorLabel: entry.label,
    action: entry.action,
    target: { type: "report", id: entry.reportId },
    details: entry.details,
  });
}
