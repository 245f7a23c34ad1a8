/** What an import reports while it runs and when it ends (sync_runs.details). */
export type ImportSummary = {
  fileName: string;
  fileKey: string;
  bytes: number;
  format?: string;
  /** Data lines read (the header is not counted). */
  linesRead: number;
  /** Lines that produced usage. */
  linesImported: number;
  /** Usage rows written to usage_hourly after hourly aggregation. */
  usageRowsWritten: number;
  /** Lines left out, by reason: lines carrying no energy (tax, credits, support…) and lines in error. */
  skipped: Record<
    string,
    { lines: number; costAmount: number; first: { line: number; detail: string }[] }
  >;
  span?: { start: string; end: string };
  /** Cloud accounts the file's usage belongs to (created on first import). */
  cloudAccountIds?: string[];
  costTotal: number;
  currency?: string;
  progress: { linesRead: number; percent: number };
  /** Seconds from the first line read to the usage stored (read, classify, COPY, aggregate, merge). */
  timings?: { seconds: number };
  /** File-level failure, when the whole file was refused. */
  error?: string;
};

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
) {
  const entry = (summary.skipped[reason] ??= { lines: 0, costAmount: 0, first: [] });
  entry.lines++;
  entry.costAmount += costAmount;
  if (entry.first.length < FIRST_LINES_KEPT) entry.first.push({ line, detail });
}
