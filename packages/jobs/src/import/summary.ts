import type { AccountReplacement, ReplacementPreview } from "@canopy/db";

export type LineTally = {
  lines: number;
  costAmount: number;
  first: { line: number; detail: string }[];
};

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
  /** Lines left out, by reason: unreadable lines and lines in error (nothing of them is stored). */
  skipped: Record<string, LineTally>;
  /**
   * Lines that carry no energy (tax, credits, fees, marketplace…), by reason: stored with their cost,
   * service, region and account so cost totals tie out to the invoice, estimated at zero energy.
   */
  costOnly?: Record<string, LineTally>;
  /** Lines that repeat an earlier line of the file (same line id, or identical bytes): counted once, each with a warning. */
  duplicateLines?: number;
  /** Lines read with a warning (e.g. an AWS account id missing its leading zeros). */
  warnings?: { lines: number; first: { line: number; detail: string }[] };
  /** What produced the rows (usage_hourly.source_kind): the file's format. */
  sourceKind?: string;
  /** The account windows this import's usage counts in: what a restore withdraws. */
  coverage?: { cloudAccountId: string; start: string; end: string }[];
  /** Days it brought usage for that a source of higher precedence holds (kept, not counted). */
  outranked?: { cloudAccountId: string; start: string; end: string; heldBy: string[] }[];
  /** What it replaced, per account and window. */
  replaced?: AccountReplacement[];
  /** While awaiting confirmation: what it would replace and why it asks. */
  preview?: ReplacementPreview;
  /** When the user restored the previous version (undoing this import). */
  restoredAt?: string;
  span?: { start: string; end: string };
  /** Cloud accounts the file's usage belongs to (created on first import). */
  cloudAccountIds?: string[];
  costTotal: number;
  currency?: string;
  progress: { linesRead: number; percent: number };
  /** Seconds from the first line read to the usage stored (read, classify, COPY, aggregate, merge). */
  timings?: { seconds: number };
  /** Only this cloud account may be imported (the wizard's import step). */
  expectedCloudAccountId?: string;
  /** Accounts found in the file besides the expected one, when the import was refused for them. */
  otherAccounts?: { provider: string; providerAccountId: string }[];
  /** The user confirmed replacing stored data this import does not re-supply. */
  replaceConfirmed?: boolean;
  /**
   * When the retention (CANOPY_IMPORT_FILE_RETENTION_DAYS) deleted the uploaded file: the usage it
   * imported is kept, but the file can no longer be imported again (confirm) and no longer counts
   * against the organization's storage quota.
   */
  fileDeletedAt?: string;
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
