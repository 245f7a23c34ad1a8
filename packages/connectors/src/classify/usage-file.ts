import { usageRecordSchema, type UsageRecord } from "@canopy/methodology";
import { canonicalAccountId, canonicalBillingAccountId, rowErrorOf } from "./account-ids";
import { jsonObjectOf, MAX_COST_MAGNITUDE, MAX_QUANTITY_MAGNITUDE, optionalNumberOf, RowValueError, textOf } from "./cell-values";
import { canonicalService } from "./services";
import { optionalTimestampMs, requiredTimestampMs, TimestampOutOfWindowError, usageTimeWindow } from "./timestamps";
import type { BillingRow, ClassifyOptions, ClassifyOutcome, RowClassifier } from "./types";

/** Files whose columns are UsageRecord fields (CSV or JSONL), e.g. exported from Canopy or hand-made. */
export const usageRecordColumns = Object.keys(usageRecordSchema.shape) as (keyof UsageRecord)[];
export const usageRequiredColumns: readonly string[] = [
  "provider",
  "accountId",
  "periodStart",
  "periodHours",
  "service",
  "region",
  "kind",
  "quantity",
  "unit",
];

const numericFields = new Set<string>([
  "periodHours",
  "quantity",
  "vcpus",
  "memoryGb",
  "gpuCount",
  "replicationHint",
  "cpuUtilization",
  "costAmount",
]);

export function createUsageRecordClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const known = new Set<string>(usageRecordColumns);
  const present = header.filter((column) => known.has(column));
  const missing = usageRequiredColumns.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new Error(`not a usage-record header: missing ${missing.join(", ")}`);
  const used = present.filter(
    (column) => (options.includeTags ?? true ? true : column !== "tags") && (options.includeResourceIds ?? true ? true : column !== "resourceId"),
  );

  const window = options.timeWindow ?? usageTimeWindow();

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    const candidate: Record<string, unknown> = {};
    try {
      for (const column of used) {
        const value = row[column];
        if (value === undefined || value === null || value === "") continue;
        if (numericFields.has(column)) candidate[column] = optionalNumberOf(value, column, column === "costAmount" ? MAX_COST_MAGNITUDE : MAX_QUANTITY_MAGNITUDE);
        else if (column === "tags") candidate[column] = typeof value === "object" ? value : jsonObjectOf(value);
        else candidate[column] = textOf(value);
      }
    } catch (error) {
      if (error instanceof RowValueError) return { status: "error", message: error.message };
      throw error;
    }
    if (candidate["region"] === undefined) candidate["region"] = "";
    if (options.source !== undefined && lineNumber !== undefined && candidate["source"] === undefined) {
      candidate["source"] = `${options.source}:${lineNumber}`;
    }
    const parsed = usageRecordSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { status: "error", message: `${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid usage record"}` };
    }
    // Same identities as the billing formats: canonical account id (a record without a sub-account
    // carries its billing account id as accountId) and canonical service name.
    const record = parsed.data;
    let warning: string | undefined;
    try {
      const startMs = requiredTimestampMs(record.periodStart, "periodStart", window);
      optionalTimestampMs(startMs + record.periodHours * 3_600_000, "periodStart + periodHours", window);
      const account =
        record.billingAccountId !== undefined && record.accountId === record.billingAccountId
          ? canonicalBillingAccountId(record.provider, record.accountId)
          : canonicalAccountId(record.provider, record.accountId);
      record.accountId = account.id;
      warning = account.warning;
    } catch (error) {
      if (error instanceof TimestampOutOfWindowError) return { status: "error", message: error.message };
      if (error instanceof RowValueError) return { ...rowErrorOf(error), message: `accountId: ${error.message}` };
      throw error;
    }
    record.service = canonicalService(record.provider, record.service) || record.service;
    return warning === undefined ? { status: "usage", records: [record] } : { status: "usage", records: [record], warning };
  }

  const numericColumns = used.filter((column) => numericFields.has(column));
  return { format: "usage", usedColumns: used, numericColumns, classify };
}
