import type { UsageRecord } from "@canopy/methodology";
import type { ClassifyOutcome, UnsupportedReason } from "../classify";

/** A half-open UTC interval of usage to fetch: `start` inclusive, `end` exclusive. */
export type UsageWindow = { start: Date; end: Date };

/** One permission probe run by `validate`: what was tried, whether it worked, and the exact fix if not. */
export type PermissionCheck = {
  /** The provider permission probed, e.g. `athena:StartQueryExecution`. */
  permission: string;
  status: "passed" | "failed" | "skipped";
  /** What happened, in words an admin understands. */
  message: string;
  /** The exact change to make when failed, e.g. the IAM action to add to the role's policy. */
  fix?: string;
  /** A failed optional check degrades the connection (e.g. no account discovery) but does not block it. */
  required: boolean;
};

/** What a live fetch read: rows, records, and the lines without usage by reason. */
export type FetchSummary = {
  rowsRead: number;
  recordsYielded: number;
  /** Lines in error (nothing of them is stored). */
  skipped: Partial<
    Record<UnsupportedReason | "error", { lines: number; cost: number; example: string }>
  >;
  /** Lines that carry no energy (tax, credits, fees…), yielded as cost-only records so cost ties out. */
  costOnly?: Partial<Record<UnsupportedReason, { lines: number; cost: number; example: string }>>;
  /** "hourly" for CUR/Athena, "daily" for the Cost Explorer quick start (lower resolution). */
  resolution: "hourly" | "daily";
  /** Provider API requests the fetch sent, by action (`athena:GetQueryExecution`, `s3:GetObject`…). */
  apiCalls?: Record<string, number>;
  /** What they cost where the provider charges per request (AWS Cost Explorer: USD 0.01 each). */
  apiCost?: {
    service: string;
    requests: number;
    /** Answers reused from the cache instead of requested again. */
    cachedRequests: number;
    costAmount: number;
    currency: string;
  };
};

export type FetchUsageOptions = {
  /** Filled in while the iterable is consumed. */
  summary?: FetchSummary;
  /** Called now and then with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
};

/** What every live connector offers. */
export type DiscoveredAccount = { id: string; name: string; status: string };

export type LiveConnector = {
  validate(): Promise<PermissionCheck[]>;
  discover(): Promise<DiscoveredAccount[]>;
  fetchUsage(window: UsageWindow, options?: FetchUsageOptions): AsyncIterable<UsageRecord>;
};

export function emptyFetchSummary(resolution: FetchSummary["resolution"]): FetchSummary {
  return { rowsRead: 0, recordsYielded: 0, skipped: {}, resolution };
}

/**
 * One provider-published monthly carbon figure, in kg CO2e (AWS tonnes are converted). `scope`:
 * scope1 | scope2-location | scope2-market | scope3 | total (location-based, or the provider's only
 * figure) | total-market.
 */
export type ReportedCarbon = {
  provider: "aws" | "azure" | "gcp";
  providerAccountId: string;
  /** First day of the month, YYYY-MM-01. */
  month: string;
  service?: string;
  region?: string;
  scope: "scope1" | "scope2-location" | "scope2-market" | "scope3" | "total" | "total-market";
  co2eKg: number;
  source: string;
  modelVersion?: string;
};

/** `YYYY-MM-01` of a month given as a Date or "YYYY-MM". */
export function monthStartOf(month: Date | string): string {
  if (typeof month === "string") return `${month.slice(0, 7)}-01`;
  return `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

/**
 * The records of one classified provider row: its usage records, or for a line without energy its
 * cost-only records (counted in `summary.costOnly` by reason, with cost and a first example); lines
 * in error are counted in `summary.skipped` and yield nothing.
 */
export function recordsOfOutcome(outcome: ClassifyOutcome, summary: FetchSummary): UsageRecord[] {
  if (outcome.status === "usage") {
    summary.recordsYielded += outcome.records.length;
    return outcome.records;
  }
  if (outcome.status === "error") {
    const entry = (summary.skipped.error ??= { lines: 0, cost: 0, example: outcome.message });
    entry.lines++;
    return [];
  }
  const entry = ((summary.costOnly ??= {})[outcome.reason] ??= {
    lines: 0,
    cost: 0,
    example: outcome.detail,
  });
  entry.lines++;
  entry.cost += outcome.costAmount;
  summary.recordsYielded += outcome.records.length;
  return outcome.records;
}
