import { keyValueListOf, optionalNumberOf, RowValueError, textOf } from "./cell-values";
import { missingColumns, resolveColumns, usedColumnsOf, type ColumnAliases } from "./columns";
import { decideGcpSku } from "./gcp-skus";
import { isoTextOf, optionalTimestampMs, periodHoursBetween, requiredTimestampMs } from "./timestamps";
import type { BillingRow, ClassifyOptions, ClassifyOutcome, RowClassifier, UnsupportedReason } from "./types";
import { recordsOf, type LineBase } from "./usage-records";

/**
 * GCP Cloud Billing export to BigQuery (standard or detailed), as CSV with dotted column names or as
 * JSONL (nested records are flattened to the same dotted names by the JSONL reader).
 */
export const gcpColumns = {
  service: ["service.description", "service_description"],
  sku: ["sku.description", "sku_description"],
  usageStart: ["usage_start_time"],
  usageEnd: ["usage_end_time"],
  usageAmount: ["usage.amount", "usage_amount"],
  usageUnit: ["usage.unit", "usage_unit"],
  costType: ["cost_type"],
  cost: ["cost"],
  currency: ["currency"],
  projectId: ["project.id", "project_id"],
  billingAccountId: ["billing_account_id"],
  region: ["location.region", "location_region"],
  location: ["location.location", "location_location"],
  zone: ["location.zone", "location_zone"],
  systemLabels: ["system_labels"],
  labels: ["labels"],
  resourceName: ["resource.global_name", "resource.name"],
} as const satisfies ColumnAliases<string>;
export type GcpField = keyof typeof gcpColumns;

export const gcpRequiredFields: readonly GcpField[] = ["service", "sku", "usageStart", "usageAmount", "usageUnit"];

const moneyOnlyCostTypes: Record<string, UnsupportedReason> = {
  tax: "tax",
  adjustment: "adjustment",
  rounding_error: "rounding",
};

/** `us-central1-a` → `us-central1`; multi-regions (`us`, `eu`) and `global` stay as they are. */
function gcpRegionOf(region: string, location: string, zone: string): string {
  if (region !== "") return region;
  const fromZone = zone || location;
  const zoneMatch = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(fromZone);
  if (zoneMatch?.[1]) return zoneMatch[1];
  return location;
}

export function createGcpClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const c = resolveColumns(header, gcpColumns);
  const missing = missingColumns(c, gcpColumns, gcpRequiredFields);
  if (missing.length > 0) throw new Error(`not a GCP billing export header: missing ${missing.join(", ")}`);
  const includeTags = options.includeTags ?? true;
  const includeResourceIds = options.includeResourceIds ?? true;
  const used = usedColumnsOf(c).filter(
    (column) => (includeTags || column !== c.labels) && (includeResourceIds || column !== c.resourceName),
  );
  const get = (row: BillingRow, field: GcpField): unknown => {
    const column = c[field];
    return column === undefined ? undefined : row[column];
  };

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    try {
      const costAmount = optionalNumberOf(get(row, "cost"), "cost") ?? 0;
      const currency = textOf(get(row, "currency")) || undefined;
      const service = textOf(get(row, "service"));
      const sku = textOf(get(row, "sku"));
      const unsupported = (reason: UnsupportedReason, detail: string): ClassifyOutcome => {
        const outcome: ClassifyOutcome = { status: "unsupported", reason, detail, costAmount };
        if (currency) outcome.currency = currency;
        return outcome;
      };
      const costType = textOf(get(row, "costType")).toLowerCase();
      if (costType !== "" && costType !== "regular") {
        const reason = moneyOnlyCostTypes[costType];
        if (!reason) throw new RowValueError(`unknown cost_type "${costType}"`);
        return unsupported(reason, `${costType} ${service}`.trim());
      }
      const amount = optionalNumberOf(get(row, "usageAmount"), "usage.amount");
      if (amount === undefined) throw new RowValueError("usage.amount is empty");
      if (amount < 0) return unsupported("correction", `negative usage on ${sku}`);
      const startMs = requiredTimestampMs(get(row, "usageStart"), "usage_start_time");
      const endMs = optionalTimestampMs(get(row, "usageEnd"), "usage_end_time");

      const needsMachine = /Core|CPU|Ram|RAM|Memory|Instance/.test(sku);
      const systemLabels = needsMachine ? keyValueListOf(get(row, "systemLabels")) : undefined;
      const cores = Number(systemLabels?.["compute.googleapis.com/cores"]);
      const memoryMb = Number(systemLabels?.["compute.googleapis.com/memory"]);
      const machineSpec = systemLabels?.["compute.googleapis.com/machine_spec"];
      const decision = decideGcpSku(
        {
          service,
          sku,
          usageUnit: textOf(get(row, "usageUnit")),
          amount,
          periodStartMs: startMs,
          ...(machineSpec ? { machineSpec } : {}),
          ...(Number.isFinite(cores) && cores > 0 ? { cores } : {}),
          ...(Number.isFinite(memoryMb) && memoryMb > 0 ? { memoryMb } : {}),
        },
        options,
      );
      if (decision.status === "unsupported") return unsupported(decision.reason, decision.detail);

      const accountId = textOf(get(row, "projectId")) || textOf(get(row, "billingAccountId"));
      if (accountId === "") throw new RowValueError("project.id and billing_account_id are empty");
      const base: LineBase = {
        provider: "gcp",
        accountId,
        periodStart: isoTextOf(startMs),
        periodStartMs: startMs,
        periodHours: periodHoursBetween(startMs, endMs, 1),
        service: service || "unknown",
        region: gcpRegionOf(textOf(get(row, "region")), textOf(get(row, "location")), textOf(get(row, "zone"))),
        usageType: sku,
        costAmount,
      };
      if (currency) base.currency = currency;
      if (includeResourceIds) {
        const resourceName = textOf(get(row, "resourceName"));
        if (resourceName) base.resourceId = resourceName;
      }
      if (includeTags) {
        const labels = keyValueListOf(get(row, "labels"));
        if (labels) base.tags = labels;
      }
      if (options.source !== undefined && lineNumber !== undefined) base.source = `${options.source}:${lineNumber}`;
      return { status: "usage", records: recordsOf(base, decision.measures) };
    } catch (error) {
      if (error instanceof RowValueError) return { status: "error", message: error.message };
      throw error;
    }
  }

  const numericColumns = [c.usageAmount, c.cost].filter((column): column is string => column !== undefined);
  return { format: "gcp", usedColumns: used, numericColumns, classify };
}
