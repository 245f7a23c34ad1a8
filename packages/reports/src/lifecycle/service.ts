import { randomUUID } from "node:crypto";
import {
  insertReportFile,
  loadReportFile,
  lockReportSeries,
  reportParametersSchema,
  withTenantClient,
  type Connection,
  type PoolClient,
} from "@canopy/db";
import { buildReportContent } from "../build/build-content";
import { contentSha256, sha256Hex } from "../model/content-hash";
import { diffContents, sameContent } from "../model/diff";
import type { ReportContent, ReportDiff, ReportModel, ReportParameters } from "../model/types";
import { shortMonthLabel, type ReportPeriod } from "../period";
import { loadDataSpan, loadTagKeys } from "../build/queries";
import { renderReport, reportFormats, type ReportFormat, type RenderedReport } from "../render";
import { assertCanFinalize, assertCanRead, type ReportActor } from "./permissions";
import {
  insertReport,
  latestParameters,
  listReportRows,
  loadReportRow,
  loadSeries,
  markFinal,
  updateDraft,
  writeAudit,
  type ReportSummary,
} from "./store";

export class ReportNotFoundError extends Error {
  override name = "ReportNotFoundError";
}
/** The report is final: it cannot be recomputed or finalized again. */
export class ReportLockedError extends Error {
  override name = "ReportLockedError";
}
/** The figures changed since the caller reviewed them (expectedContentSha256 differs). */
export class ReportChangedError extends Error {
  override name = "ReportChangedError";
  constructor(
    message: string,
    readonly currentContentSha256: string,
  ) {
    super(message);
  }
}
/** No emissions in the report's period and boundary: a "0 kg" report is refused rather than locked. */
export class ReportNoDataError extends Error {
  override name = "ReportNoDataError";
}
/** The rollups disagree with the hourly rows (estimation still running): finalizing now would lock a half-done state. */
export class ReportNotReadyError extends Error {
  override name = "ReportNotReadyError";
}

export type GenerateReportRequest = {
  period: ReportPeriod;
  /** Accounts in the boundary; omit or null for every account of the organization. */
  cloudAccountIds?: string[] | null;
  /** Default: those of the series' latest version, else of the organization's latest report. */
  tagKeys?: string[];
  functionalUnits?: { name: string; count: number }[];
};

export type GenerateReportResult = {
  report: ReportSummary;
  /** A new version row was created (first draft, or a draft after a locked version whose figures changed). */
  created: boolean;
};

/** "all", or a hash of the sorted account ids: the boundary part of a report series' identity. */
export function boundaryKeyOf(cloudAccountIds: string[] | null | undefined): string {
  if (!cloudAccountIds) return "all";
  const sorted = [...new Set(cloudAccountIds)].sort();
  return `accounts:${sha256Hex(sorted.join(",")).slice(0, 24)}`;
}

/** Every version of every report of the organization, newest period first. Everyone may read. */
export async function listReports(
  app: Connection,
  tenantId: string,
  actor: ReportActor,
  filter: { period?: ReportPeriod } = {},
): Promise<ReportSummary[]> {
  assertCanRead(actor);
  return withTenantClient(app, tenantId, (client) => listReportRows(client, filter));
}

/** One version with its model (as last computed for a draft; as locked for a final). */
export async function getReport(
  app: Connection,
  tenantId: string,
  reportId: string,
  actor: ReportActor,
): Promise<{ report: ReportSummary; model: ReportModel }> {
  assertCanRead(actor);
  return withTenantClient(app, tenantId, async (client) => {
    const row = await loadReportRow(client, reportId);
    if (!row?.model) throw new ReportNotFoundError(`Report ${reportId} not found`);
    const { model, ...report } = row;
    return { report, model };
  });
}

/**
 * Computes the report for a period and boundary. A draft of the series is recomputed in place; after
 * a locked version, a new draft version is created only when the figures differ from it, with the
 * diff against it; the locked version is never touched.
 */
export async function generateReport(
  app: Connection,
  tenantId: string,
  request: GenerateReportRequest,
  actor: ReportActor,
): Promise<GenerateReportResult> {
  assertCanRead(actor);
  const boundaryAccountIds = request.cloudAccountIds
    ? [...new Set(request.cloudAccountIds)].sort()
    : null;
  const boundaryKey = boundaryKeyOf(boundaryAccountIds);
  return withTenantClient(app, tenantId, async (client) => {
    await lockSeries(client, tenantId, request.period, boundaryKey);
    const series = await loadSeries(client, request.period, boundaryKey);
    const latest = series[series.length - 1];
    // A field neither the request nor an earlier version gives reads as empty.
    const parameters = reportParametersSchema.parse({
      tagKeys:
        request.tagKeys ?? latest?.parameters.tagKeys ?? (await latestParameters(client))?.tagKeys,
      functionalUnits: request.functionalUnits ?? latest?.parameters.functionalUnits,
    });
    validateParameters(parameters);
    const content = await buildReportContent(client, {
      period: request.period,
      cloudAccountIds: boundaryAccountIds,
      parameters,
    });
    const locked = [...series].reverse().find((row) => row.status === "final");
    const draft = series.find((row) => row.status === "draft");
    const diff = locked?.model ? lockedDiff(locked, content) : null;

    if (draft) {
      const model = draftModel(draft.id, draft.version, content, diff);
      await updateDraft(client, draft.id, {
        parameters,
        parentReportId: locked?.id ?? null,
        model,
      });
      return { report: (await loadReportRow(client, draft.id))!, created: false };
    }
    if (locked?.model && sameContent(locked.model.content, content)) {
      return { report: stripModel(locked), created: false };
    }
    const id = randomUUID();
    const version = (latest?.version ?? 0) + 1;
    await insertReport(client, tenantId, {
      id,
      version,
      status: "draft",
      period: request.period,
      boundaryKey,
      boundaryAccountIds,
      parameters,
      parentReportId: locked?.id ?? null,
      model: draftModel(id, version, content, diff),
      userId: actor.userId,
    });
    return { report: (await loadReportRow(client, id))!, created: true };
  });
}

/**
 * Locks a draft: recomputes it one last time, checks the rollups agree with the hourly rows, stores
 * the numbers, lineage and content SHA-256, renders every format once and keeps the files. Only
 * owner, admin and finance may. With `expectedContentSha256` (the hash the reviewer saw), refuses
 * when the figures have changed since.
 */
export async function finalizeReport(
  app: Connection,
  tenantId: string,
  reportId: string,
  actor: ReportActor,
  options: { expectedContentSha256?: string; now?: Date } = {},
): Promise<ReportSummary> {
  assertCanFinalize(actor);
  return withTenantClient(app, tenantId, async (client) => {
    const existing = await loadReportRow(client, reportId);
    if (!existing?.model) throw new ReportNotFoundError(`Report ${reportId} not found`);
    await lockSeries(client, tenantId, existing.period, existing.boundaryKey);
    const row = (await loadReportRow(client, reportId, { forUpdate: true }))!;
    if (row.status === "final")
      throw new ReportLockedError(`Report ${reportId} version ${row.version} is already final`);
    const content = await buildReportContent(client, {
      period: row.period,
      cloudAccountIds: row.boundaryAccountIds,
      parameters: row.parameters,
    });
    // Hourly rows without rollups are an estimate still running (ReportNotReadyError below).
    const rows = content.lineage.inputRowCounts;
    if (rows.emissionsMonthly === 0 && rows.emissionsHourly === 0) {
      throw new ReportNoDataError(await noDataMessage(client, content));
    }
    const sha256 = contentSha256(content);
    if (options.expectedContentSha256 && options.expectedContentSha256 !== sha256) {
      throw new ReportChangedError(
        `The figures changed since they were reviewed (content ${options.expectedContentSha256.slice(0, 12)}… is now ${sha256.slice(0, 12)}…); review the draft again`,
        sha256,
      );
    }
    if (!content.lineage.hourlyCheck.agrees) {
      throw new ReportNotReadyError(
        "The monthly rollups do not yet agree with the hourly emissions for this period (estimation is still running); try again when it has finished",
      );
    }
    const parent = row.parentReportId ? await loadReportRow(client, row.parentReportId) : undefined;
    const now = (options.now ?? new Date()).toISOString();
    const model: ReportModel = {
      header: {
        reportId,
        version: row.version,
        status: "final",
        generatedAt: now,
        finalizedAt: now,
        contentSha256: sha256,
      },
      content,
      diff: parent?.model && parent.status === "final" ? lockedDiff(parent, content) : null,
    };
    for (const format of reportFormats) {
      const rendered = await renderReport(model, format);
      await insertReportFile(client, tenantId, reportId, {
        ...rendered,
        sha256: sha256Hex(rendered.body),
      });
    }
    await markFinal(client, reportId, model, actor.userId);
    await writeAudit(client, tenantId, {
      userId: actor.userId,
      label: actor.label ?? actor.userId ?? "system",
      action: "report.finalize",
      reportId,
      details: { version: row.version, period: row.period.label, contentSha256: sha256 },
    });
    return (await loadReportRow(client, reportId))!;
  });
}

/**
 * The file of one format. A final version returns the files stored when it was locked, byte for byte;
 * a draft is recomputed first (drafts always show the figures now) and rendered.
 */
export async function downloadReport(
  app: Connection,
  tenantId: string,
  reportId: string,
  format: ReportFormat,
  actor: ReportActor,
): Promise<RenderedReport & { contentSha256: string; status: "draft" | "final" }> {
  assertCanRead(actor);
  const row = await withTenantClient(app, tenantId, (client) => loadReportRow(client, reportId));
  if (!row?.model) throw new ReportNotFoundError(`Report ${reportId} not found`);
  if (row.status === "final") {
    const file = await withTenantClient(app, tenantId, (client) =>
      loadReportFile(client, reportId, format),
    );
    if (!file) throw new ReportNotFoundError(`Report ${reportId} has no stored ${format} file`);
    // The stored bytes are those rendered at the lock (report_files.sha256); a mismatch is corruption.
    if (sha256Hex(file.content) !== file.sha256)
      throw new Error(`Report ${reportId}: the stored ${format} file does not match its checksum`);
    return {
      format,
      fileName: file.fileName,
      contentType: file.contentType,
      body: file.content,
      contentSha256: row.model.header.contentSha256,
      status: "final",
    };
  }
  await generateReport(
    app,
    tenantId,
    {
      period: row.period,
      cloudAccountIds: row.boundaryAccountIds,
      tagKeys: row.parameters.tagKeys,
      functionalUnits: row.parameters.functionalUnits,
    },
    actor,
  );
  const { model } = await getReport(app, tenantId, reportId, actor);
  const rendered = await renderReport(model, format);
  return { ...rendered, contentSha256: model.header.contentSha256, status: "draft" };
}

/** Why a report without data cannot be finalized, and what to do: which months do have data. */
async function noDataMessage(client: PoolClient, content: ReportContent): Promise<string> {
  const scope = content.boundary.allAccounts ? "this organization" : "the accounts in this report";
  const span = await loadDataSpan(client, null);
  const where = span
    ? `The organization has emissions from ${shortMonthLabel(span.firstMonth)} to ${shortMonthLabel(span.lastMonth)}: choose a period in that range${content.boundary.allAccounts ? "" : " or other accounts"}, or import the billing data for ${content.period.label} first.`
    : "The organization has no emissions yet: import a billing file or connect a cloud account first.";
  return `${content.period.label} has no emissions for ${scope}, so there is nothing to finalize (a final report of 0 kg would be misleading). ${where}`;
}

/** First and last month with emissions in the organization (or the given accounts); null without any. Everyone may read. */
export async function reportDataSpan(
  app: Connection,
  tenantId: string,
  actor: ReportActor,
  cloudAccountIds: string[] | null = null,
): Promise<{ firstMonth: string; lastMonth: string } | null> {
  assertCanRead(actor);
  return withTenantClient(app, tenantId, (client) => loadDataSpan(client, cloudAccountIds));
}

/** The tag keys the report form offers (most frequent first), from the last month with data. Everyone may read. */
export async function reportTagKeys(
  app: Connection,
  tenantId: string,
  actor: ReportActor,
): Promise<string[]> {
  assertCanRead(actor);
  return withTenantClient(app, tenantId, async (client) => {
    const span = await loadDataSpan(client, null);
    return span ? (await loadTagKeys(client, span.lastMonth)).map((row) => row.key) : [];
  });
}

function draftModel(
  reportId: string,
  version: number,
  content: ReportContent,
  diff: ReportDiff | null,
): ReportModel {
  return {
    header: {
      reportId,
      version,
      status: "draft",
      generatedAt: new Date().toISOString(),
      finalizedAt: null,
      contentSha256: contentSha256(content),
    },
    content,
    diff,
  };
}

function lockedDiff(
  locked: ReportSummary & { model: ReportModel | null },
  content: ReportContent,
): ReportDiff {
  return diffContents(
    {
      reportId: locked.id,
      version: locked.version,
      contentSha256: locked.model!.header.contentSha256,
      finalizedAt: locked.finalizedAt,
      content: locked.model!.content,
    },
    content,
  );
}

function stripModel<T extends { model: unknown }>(row: T): Omit<T, "model"> {
  const { model: _model, ...rest } = row;
  return rest;
}

/** Serializes work on one series (two generations at once would both try to add version n+1). */
async function lockSeries(
  client: PoolClient,
  tenantId: string,
  period: ReportPeriod,
  boundaryKey: string,
) {
  await lockReportSeries(client, `report:${tenantId}:${period.start}:${period.end}:${boundaryKey}`);
}

const MAX_TAG_KEYS = 5;

function validateParameters(parameters: ReportParameters) {
  if (parameters.tagKeys.length > MAX_TAG_KEYS)
    throw new RangeError(`At most ${MAX_TAG_KEYS} tag keys per report`);
  for (const key of parameters.tagKeys) {
    if (!key.trim() || key.length > 128)
      throw new RangeError(`Not a tag key: ${JSON.stringify(key)}`);
  }
  for (const unit of parameters.functionalUnits) {
    if (!unit.name.trim() || !(unit.count > 0) || !Number.isFinite(unit.count)) {
      throw new RangeError(
        `A functional unit needs a name and a positive count: ${JSON.stringify(unit)}`,
      );
    }
  }
}
