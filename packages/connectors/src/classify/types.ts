import type { PackProvider, UsageRecord } from "@canopy/methodology";
import type { UsageTimeWindow } from "./timestamps";

/**
 * One billing line as read from a file or an API: column name → value. CSV readers give strings,
 * Parquet gives numbers, bigints, Dates and nested maps, JSONL gives flattened dotted keys
 * (`usage.amount`) whose values may be arrays. Unknown columns are ignored by the classifiers.
 */
export type BillingRow = Readonly<Record<string, unknown>>;

/** Why a line carries no energy of its own. The line's cost is always reported with it. */
export const unsupportedReasons = [
  "tax",
  "credit",
  "refund",
  "discount",
  "support",
  "marketplace",
  "purchase",
  "fee",
  "reservation-fee",
  "savings-plan-fee",
  "savings-plan-negation",
  "unused-commitment",
  "software-license",
  "surcharge-on-counted-usage",
  "adjustment",
  "correction",
  "rounding",
  "provider-not-supported",
  // Usage Canopy does not model (not out of scope like the money lines above): see notModelledReasons.
  "internet-egress",
  "cdn-delivery",
  "unit-not-recognized",
] as const;
export type UnsupportedReason = (typeof unsupportedReasons)[number];

/**
 * Reasons that mark real usage outside Canopy's energy model rather than money without usage:
 * transfer to the internet and CDN delivery (the network model covers only inter-region and
 * inter-AZ transfer, docs/methodology.md §2.7) and a usage unit the classifier does not recognize
 * (flagged instead of being estimated as zero). The line's cost is kept on its cost-only record.
 */
export const notModelledReasons: readonly UnsupportedReason[] = ["internet-egress", "cdn-delivery", "unit-not-recognized"];

export type ClassifiedUsage = {
  status: "usage";
  /**
   * The line's usage records; on GCP lines with credits also one cost-only record (usageType
   * "credit") carrying the sum of the line's credits, so record costs add up to the invoice.
   */
  records: UsageRecord[];
  /** Something read with a correction the importer should report with the line number (e.g. a zero-padded account id). */
  warning?: string;
};

export type UnsupportedLine = {
  status: "unsupported";
  reason: UnsupportedReason;
  /** Human-readable detail, e.g. the line item type or meter that decided it. */
  detail: string;
  costAmount: number;
  currency?: string;
  /**
   * The line's place in the ledger: normally one cost-only record (kind "other", unit "none",
   * quantity 0, usageType = the reason, the line's costAmount, account, time, service and region),
   * plus a GCP line's credits. Empty when the line has no usable timestamp or account (the detail
   * then says so) or its provider is not one Canopy models.
   */
  records: UsageRecord[];
  /** As on ClassifiedUsage. */
  warning?: string;
};

/** A line that could not be read; `accountId` when its account id cannot be normalized (refuses the file). */
export type RowError = { status: "error"; message: string; accountId?: true };

/** What a classifier makes of one billing line. */
export type ClassifyOutcome = ClassifiedUsage | UnsupportedLine | RowError;

export type InstanceSpec = {
  vcpus?: number | undefined;
  memoryGb?: number | undefined;
};

/** Looks up an instance/VM/machine type; returns undefined when the type is unknown. */
export type InstanceSpecLookup = (provider: PackProvider, instanceType: string) => InstanceSpec | undefined;

export type ClassifyOptions = {
  /**
   * Lines dated outside this window are row errors (default: 2006-01-01 to now + 40 days, see
   * `usageTimeWindow`); the importer passes CANOPY_USAGE_EARLIEST / CANOPY_USAGE_LATEST_DAYS.
   */
  timeWindow?: UsageTimeWindow;
  /** Instance catalog used to turn instance-hours into vCPU-hours and GPU-hours. */
  lookupInstance?: InstanceSpecLookup;
  /** Copy resource tags/labels onto records (costs time and memory on big files). Default true. */
  includeTags?: boolean;
  /** Copy resource ids onto records. Default true. */
  includeResourceIds?: boolean;
  /** Prefix for `UsageRecord.source`; the line number is appended by the caller's `sourceOf`. */
  source?: string;
};

/** A classifier bound to one file's header: resolves column aliases once, then classifies rows. */
export type RowClassifier = {
  readonly format: BillingFormat;
  /** Header columns (exact spelling in the file) that the classifier reads; readers can skip the rest. */
  readonly usedColumns: readonly string[];
  /** Columns holding decimals; readers may deliver them as numbers instead of text. */
  readonly numericColumns: readonly string[];
  classify(row: BillingRow, lineNumber?: number): ClassifyOutcome;
  /**
   * Columns that identify a line within a file (CUR: `identity/LineItemId` + `identity/TimeInterval`),
   * when the format has them; a repeat of the same values is the same line. Formats without (Azure,
   * GCP, FOCUS, usage files) are compared by the line's raw bytes instead.
   */
  readonly lineIdColumns?: readonly string[];
};

export const billingFormats = ["cur", "cur2", "azure", "gcp", "focus", "usage"] as const;
export type BillingFormat = (typeof billingFormats)[number];
