import type { ImportSummary, LineTally } from "@canopy/db";

/** What an import reports while it runs and when it ends (sync_runs.details): importSummarySchema of @canopy/db. */
export type { ImportSummary, LineTally };

export const FIRST_LINES_KEPT = 10;

export function emptySummary(fileName: string, fileKey: string, bytes: number): ImportSummary {
  return {
    fileName,
    fileKey,
    bytes,
    linesRead: 0,
    linesImported: 0,
    usageRowsWritten: 0,
    skipped: {},
    costTotal: 0,
    progress: { linesRead: 0, percent: 0 },
  };
}

export function recordSkip(
  summary: ImportSummary,
  reason: string,
  line: number,
  detail: string,
  costAmount = 0,
  into: Record<string, LineTally> = summary.skipped,
) {
  const entry = (into[reason] ??= { lines: 0, costAmount: 0, first: [] });
  entry.lines++;
  entry.costAmount += costAmount;
  if (entry.first.length < FIRST_LINES_KEPT) entry.first.push({ line, detail });
}

export function recordWarning(summary: ImportSummary, line: number, detail: string) {
  const warnings = (summary.warnings ??= { lines: 0, first: [] });
  warnings.lines++;
  if (warnings.first.length < FIRST_LINES_KEPT) warnings.first.push({ line, detail });
}
