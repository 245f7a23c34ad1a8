import "server-only";
import { loadBoundaryAccounts, reportModelHeadlines, type PoolClient } from "@canopy/db";
import {
  boundarySummary,
  comparisonLines,
  generateReport,
  InvalidPeriodError,
  parsePeriod,
  periodKey,
  previousMonth,
  ReportChangedError,
  ReportInputError,
  ReportLockedError,
  ReportNotFoundError,
  ReportNoDataError,
  ReportNotReadyError,
  ReportPermissionError,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
  type Measures,
  type ReportActor,
  type ReportModel,
  type ReportStatus,
  type ReportSummary,
} from "@canopy/reports";
import { ApiError } from "./api-error";
import { appDb } from "./db";
import type { Principal } from "./principal";

/** The caller as @canopy/reports sees it; that package checks the roles itself (finalize: owner, admin, finance). */
export const reportActor = (principal: Principal): ReportActor => ({
  userId: principal.userId,
  role: principal.role,
  label: principal.actorLabel,
});

/** A report service error as the web layer's ApiError (status, stable code, a message for people). */
export function reportApiError(error: unknown): unknown {
  if (error instanceof ReportNotFoundError)
    return new ApiError(404, "not_found", "Report not found.");
  if (error instanceof ReportPermissionError) return new ApiError(403, "forbidden", error.message);
  if (error instanceof ReportChangedError) {
    return new ApiError(
      409,
      "report_changed",
      "The figures changed since this page was loaded (new usage or a re-estimation). Nothing was locked: review the updated draft and finalize again.",
    );
  }
  if (error instanceof ReportLockedError) {
    return new ApiError(
      409,
      "report_locked",
      "This version is already final. Its figures and files are locked; generating the period again makes a new draft version if the figures have changed.",
    );
  }
  if (error instanceof ReportNotReadyError) {
    return new ApiError(
      409,
      "report_not_ready",
      "Estimation is still running for this period (the monthly totals do not yet match the hourly emissions). Try again in a few minutes.",
    );
  }
  // The message says which months have data and what to do.
  if (error instanceof ReportNoDataError) return new ApiError(409, "report_no_data", error.message);
  if (error instanceof InvalidPeriodError) {
    return new ApiError(400, "validation_error", error.message, { period: [error.message] });
  }
  if (error instanceof ReportInputError || error instanceof RangeError) {
    return new ApiError(400, "validation_error", error.message);
  }
  return error;
}

/** Runs a report service call and rethrows its errors as ApiErrors. */
export async function reportCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw reportApiError(error);
  }
}

/** The period a new report defaults to: the last full calendar month (UTC), as "YYYY-MM". */
export const defaultReportMonth = (now = new Date()) => periodKey(previousMonth(now));

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Report ids are uuids; anything else is simply not found (never a database error). */
export const isReportId = (id: string) => uuidPattern.test(id);

/** Headline figures per report version for the list (from the stored model; not in ReportSummary). */
export type ReportListTotals = {
  scope3LocationKg: number | null;
  scope3MarketKg: number | null;
  spend: { currency: string; amount: number }[];
};

export async function reportListTotals(
  client: PoolClient,
  ids: string[],
): Promise<Map<string, ReportListTotals>> {
  if (!ids.length) return new Map();
  const rows = await reportModelHeadlines(client, ids);
  return new Map(
    rows.map((row) => [
      row.id,
      { scope3LocationKg: row.location, scope3MarketKg: row.market, spend: row.spend ?? [] },
    ]),
  );
}

/** A report version as /api/v1/reports lists it: the row's fields and the page's headline totals. */
export function reportListItem(report: ReportSummary, totals: ReportListTotals | undefined) {
  return {
    id: report.id,
    period: { key: periodKey(report.period), ...report.period },
    version: report.version,
    status: report.status,
    boundaryAccountIds: report.boundaryAccountIds,
    contentSha256: report.contentSha256,
    methodologyVersion: report.methodologyVersion,
    createdAt: report.createdAt,
    generatedAt: report.computedAt ?? report.createdAt,
    finalizedAt: report.finalizedAt,
    scope3Category1LocationKg: totals?.scope3LocationKg ?? null,
    scope3Category1MarketKg: totals?.scope3MarketKg ?? null,
    spend: totals?.spend ?? [],
  };
}

/**
 * "Generate" for the page's server action and `POST /api/v1/reports`: computes the draft of a period
 * for all accounts or the chosen ones (or, after a locked version, a new draft version when the
 * figures changed). A malformed period or another organization's account is a 400.
 */
export async function generateReportDraft(
  principal: Principal,
  input: { period: string; cloudAccountIds: string[] | null; tagKeys?: string[] | undefined },
): Promise<{ report: ReportSummary; created: boolean }> {
  return reportCall(() =>
    generateReport(
      appDb(),
      principal.tenantId,
      {
        period: parsePeriod(input.period),
        cloudAccountIds: input.cloudAccountIds,
        ...(input.tagKeys ? { tagKeys: [...new Set(input.tagKeys)] } : {}),
      },
      reportActor(principal),
    ),
  );
}

/**
 * `GET /api/v1/reports/{id}`: the version's list fields and, from the same model every format reads,
 * its boundary, breakdowns (tag keys included: @canopy/reports builds them once, for the CLI too)
 * and comparisons with their "not comparable" reasons.
 */
export function reportDetail(
  report: ReportSummary,
  model: ReportModel,
  totals: ReportListTotals | undefined,
) {
  const { content } = model;
  const boundary = boundarySummary(content);
  const figures = (measures: Measures) => ({
    scope3Category1LocationKg: scope3Category1LocationKg(measures),
    scope3Category1MarketKg: scope3Category1MarketKg(measures),
    kwhFacility: measures.kwhFacility,
  });
  return {
    ...reportListItem(report, totals),
    parameters: { tagKeys: content.parameters.tagKeys },
    boundary: {
      allAccounts: content.boundary.allAccounts,
      accountsInBoundary: content.boundary.accounts.length,
      accountsWithData: boundary.withData,
      accountsWithoutData: boundary.withoutDataCount,
      text: boundary.text,
    },
    breakdowns: content.breakdowns.map((breakdown) => ({
      dimension: breakdown.dimension,
      title: breakdown.title,
      rows: breakdown.rows.map((row) => ({
        key: row.key,
        label: row.label,
        ...figures(row.measures),
        spend: row.spend,
      })),
    })),
    comparisons: comparisonLines(content).map((line) => ({
      key: line.comparison.key,
      title: line.title,
      period: line.comparison.period,
      scope3Category1LocationKg: line.locationKg,
      scope3Category1MarketKg: line.marketKg,
      daysWithData: line.comparison.daysWithData,
      daysInPeriod: line.comparison.daysInPeriod,
      change: line.change,
      comparable: line.comparable,
      notComparableReason: line.notComparableReason,
    })),
  };
}

/**
 * `attachment; filename="…"` for any file name (RFC 6266): a printable-ASCII fallback without quotes,
 * backslashes or percent signs, plus `filename*=UTF-8''…` (RFC 5987/8187) when the name is not that
 * already, so an organization slug or name with other characters (stored before slugs were checked)
 * can never make a header value that is not a byte string — which fails the download with a 500.
 */
export function attachmentDisposition(fileName: string): string {
  const name = fileName.toWellFormed();
  const fallback =
    name
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/[^\x20-\x7e]+/g, "_")
      .replace(/["\\%]/g, "_") || "download";
  if (fallback === fileName) return `attachment; filename="${fallback}"`;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * A rendered report file as an attachment (the page's download link and the API's). Its one hash
 * header is the report's content SHA-256 — the figure printed on the page and in every format.
 */
export function reportFileResponse(file: {
  fileName: string;
  contentType: string;
  body: Buffer;
  contentSha256: string;
  status: ReportStatus;
}): Response {
  return new Response(new Uint8Array(file.body), {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "content-disposition": attachmentDisposition(file.fileName),
      "content-length": String(file.body.length),
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
      "x-report-status": file.status,
      // The content SHA-256 (as on the page, in the file and in the API), not a hash of these bytes.
      "x-report-content-sha256": file.contentSha256,
    },
  });
}

/** Cloud accounts for the report boundary picker (the report's own boundary candidates). */
export async function boundaryAccounts(client: PoolClient) {
  return loadBoundaryAccounts(client);
}
