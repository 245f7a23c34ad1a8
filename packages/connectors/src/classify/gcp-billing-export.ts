import { keyValueListOf, MAX_COST_MAGNITUDE, optionalNumberOf, RowValueError, textOf } from "./cell-values";
import { missingColumns, resolveColumns, usedColumnsOf, type ColumnAliases } from "./columns";
import { decideGcpSku } from "./gcp-skus";
import { isoTextOf, optionalTimestampMs, periodHoursBetween, requiredTimestampMs, usageTimeWindow } from "./timestamps";
import type { UsageRecord } from "@canopy/methodology";
import type { BillingRow, ClassifiedUsage, ClassifyOptions, ClassifyOutcome, RowClassifier, UnsupportedReason } from "./types";
import { canonicalAccountId, canonicalBillingAccountId, optionalBillingAccountId, rowErrorOf } from "./account-ids";
import { canonicalService } from "./services";
import {
  attemptLineBase,
  costOnlyRecord,
  recordsOf,
  unsupportedOutcome,
  type BuiltLineBase,
  type LineBase,
  completeLineBase,
} from "./usage-records";

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
  credits: ["credits"],
} as const satisfies ColumnAliases<string>;
export type GcpField = keyof typeof gcpColumns;

export const gcpRequiredFields: readonly GcpField[] = ["service", "sku", "usageStart", "usageAmount", "usageUnit"];

const moneyOnlyCostTypes: Record<string, UnsupportedReason> = {
  tax: "tax",
  adjustment: "adjustment",
  rounding_error: "rounding",
};

const creditAmountPattern = /['"]amount['"]\s*:\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/g;

/**
 * Sum of a line's `credits[].amount` (negative numbers): an array of records from JSONL, Parquet
 * and BigQuery, or text in a CSV export, JSON or a Python literal
 * (`[{'name': 'FreeTrial:Credit-…', 'amount': -5e-06, 'full_name': None, …}]`). Undefined when the
 * line has no credits.
 */
export function gcpCreditsOf(value: unknown): number | undefined {
  if (Array.isArray(value)) {
    let sum = 0;
    let any = false;
    for (const item of value) {
      if (item && typeof item === "object" && "amount" in item) {
        const amount = optionalNumberOf((item as { amount: unknown }).amount, "credits.amount", MAX_COST_MAGNITUDE);
        if (amount !== undefined) {
          sum += amount;
          any = true;
        }
      }
    }
    return any ? sum : undefined;
  }
  // A sum already taken (the live BigQuery query sums each line's credits); BigQuery sends numbers as text.
  if (typeof value === "number") return value === 0 ? undefined : value;
  const text = textOf(value);
  if (/^-?\d+(?:\.\d+)?(?:[eE]-?\d+)?$/.test(text)) return Number(text) === 0 ? undefined : Number(text);
  if (text.length < 3) return undefined; // "", "[]"
  let sum = 0;
  let any = false;
  for (const match of text.matchAll(creditAmountPattern)) {
    sum += Number(match[1]);
    any = true;
  }
  if (!any && /amount/.test(text)) throw new RowValueError(`credits could not be read: "${text.slice(0, 60)}"`);
  return any ? sum : undefined;
}

/** `us-central1-a` → `us-central1`; multi-regions (`us`, `eu`) and `global` stay as they are. */
function gcpRegionOf(region: string, location: string, zone: string): string {
  if (region !== "") return region;
  const fromZone = zone || location;
  const zoneMatch = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(fromZone);
  if (zoneMatch?.[1]) return zoneMatch[1];
  return location;
}

/** The line's credits as one cost-only record (`cost` is before credits). */
function creditRecordsOf(base: LineBase, credits: number | undefined): UsageRecord[] {
  return credits === undefined ? [] : [costOnlyRecord(base, "credit", credits)];
}

export function createGcpClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const c = resolveColumns(header, gcpColumns);
  const missing = missingColumns(c, gcpColumns, gcpRequiredFields);
  if (missing.length > 0) throw new Error(`not a GCP billing export header: missing ${missing.join(", ")}`);
  const includeTags = options.includeTags ?? true;
  const includeResourceIds = options.includeResourceIds ?? true;
  const window = options.timeWindow ?? usageTimeWindow();
  const used = usedColumnsOf(c).filter(
    (column) => (includeTags || column !== c.labels) && (includeResourceIds || column !== c.resourceName),
  );
  const get = (row: BillingRow, field: GcpField): unknown => {
    const column = c[field];
    return column === undefined ? undefined : row[column];
  };

  /**
   * Account, hour, service and region of a line. The account is the project id; a line without a
   * project (billing-account-level support, some credits and taxes) belongs to the billing account,
   * whose id is then the account id.
   */
  function lineBaseOf(row: BillingRow, lineNumber: number | undefined, costAmount: number, currency: string | undefined): BuiltLineBase {
    const startMs = requiredTimestampMs(get(row, "usageStart"), "usage_start_time", window);
    const endMs = optionalTimestampMs(get(row, "usageEnd"), "usage_end_time", window);
    const project = textOf(get(row, "projectId"));
    const billingText = textOf(get(row, "billingAccountId"));
    const billing = optionalBillingAccountId("gcp", billingText);
    let account: { id: string; warning?: string };
    if (project.trim() !== "") account = canonicalAccountId("gcp", project);
    else if (billingText.trim() !== "") account = canonicalBillingAccountId("gcp", billingText);
    else throw new RowValueError("project.id and billing_account_id are empty");
    const base: LineBase = {
      provider: "gcp",
      accountId: account.id,
      periodStart: isoTextOf(startMs),
      periodStartMs: startMs,
      periodHours: periodHoursBetween(startMs, endMs, 1),
      service: canonicalService("gcp", textOf(get(row, "service"))) || "unknown",
      region: gcpRegionOf(textOf(get(row, "region")), textOf(get(row, "location")), textOf(get(row, "zone"))),
      usageType: textOf(get(row, "sku")),
      costAmount,
    };
    return completeLineBase(
      base,
      {
        billingAccountId: billing?.id,
        currency,
        resourceId: includeResourceIds ? textOf(get(row, "resourceName")) : undefined,
        tags: includeTags ? keyValueListOf(get(row, "labels")) : undefined,
        source: options.source,
        lineNumber,
      },
      account.warning,
      billing?.warning,
    );
  }

  type MoneyLine = {
    row: BillingRow;
    lineNumber: number | undefined;
    costAmount: number;
    currency: string | undefined;
    credits: number | undefined;
  };

  /** A line that carries no energy, with its cost-only records (not a closure per line: usage lines are millions). */
  function unsupported(line: MoneyLine, reason: UnsupportedReason, detail: string): ClassifyOutcome {
    const { row, lineNumber, costAmount, currency, credits } = line;
    return unsupportedOutcome(
      reason,
      detail,
      costAmount,
      currency,
      attemptLineBase(() => lineBaseOf(row, lineNumber, costAmount, currency)),
      (base) => creditRecordsOf(base, credits),
    );
  }

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    try {
      const costAmount = optionalNumberOf(get(row, "cost"), "cost", MAX_COST_MAGNITUDE) ?? 0;
      const currency = textOf(get(row, "currency")) || undefined;
      const service = textOf(get(row, "service"));
      const sku = textOf(get(row, "sku"));
      // `cost` is before credits; the line's credits become one cost-only record beside its others.
      const credits = gcpCreditsOf(get(row, "credits"));
      const line: MoneyLine = { row, lineNumber, costAmount, currency, credits };
      const costType = textOf(get(row, "costType")).toLowerCase();
      if (costType !== "" && costType !== "regular") {
        const reason = moneyOnlyCostTypes[costType];
        if (!reason) throw new RowValueError(`unknown cost_type "${costType}"`);
        return unsupported(line, reason, `${costType} ${service}`.trim());
      }
      const amount = optionalNumberOf(get(row, "usageAmount"), "usage.amount");
      if (amount === undefined) throw new RowValueError("usage.amount is empty");
      // Negative usage (a correction of earlier usage) nets against the usage it corrects: the decision is linear in the amount.
      const startMs = requiredTimestampMs(get(row, "usageStart"), "usage_start_time", window);

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
      if (decision.status === "unsupported") return unsupported(line, decision.reason, decision.detail);

      const { base, warning } = lineBaseOf(row, lineNumber, costAmount, currency);
      const outcome: ClassifiedUsage = {
        status: "usage",
        records: [...recordsOf(base, decision.measures), ...creditRecordsOf(base, credits)],
      };
      if (warning !== undefined) outcome.warning = warning;
      return outcome;
    } catch (error) {
      if (error instanceof RowValueError) return rowErrorOf(error);
      throw error;
    }
  }

  const numericColumns = [c.usageAmount, c.cost].filter((column): column is string => column !== undefined);
  return { format: "gcp", usedColumns: used, numericColumns, classify };
}
