import { decideAwsUsage, type AwsUsageDecision, type AwsUsageFacts } from "./aws-usage-types";
import { jsonObjectOf, MAX_COST_MAGNITUDE, optionalNumberOf, RowValueError, stringMapOf, textOf } from "./cell-values";
import { missingColumns, resolveColumns, usedColumnsOf, type ColumnAliases } from "./columns";
import { awsRegionFromLongName, isAwsRegionCode, splitAwsUsageType } from "./regions";
import { hoursInMonthOf, isoTextOf, optionalTimestampMs, periodHoursBetween, requiredTimestampMs, usageTimeWindow } from "./timestamps";
import type { BillingRow, ClassifiedUsage, ClassifyOptions, ClassifyOutcome, RowClassifier, UnsupportedReason } from "./types";
import { canonicalAccountId, optionalBillingAccountId, rowErrorOf } from "./account-ids";
import { canonicalService } from "./services";
import {
  attemptLineBase,
  recordsOf,
  unsupportedOutcome,
  type BuiltLineBase,
  type LineBase,
  completeLineBase,
} from "./usage-records";

/** Decisions are linear in the usage amount: decide once per distinct line shape for amount 1, then scale. */
const MAX_CACHED_DECISIONS = 100_000;

/**
 * AWS Cost and Usage Report lines: legacy CSV (`lineItem/UsageType`), legacy Athena/Parquet and
 * CUR 2.0 (`line_item_usage_type`, with `product` and `resource_tags` map columns in 2.0).
 */
export const curColumns = {
  lineItemType: ["lineItem/LineItemType", "line_item_line_item_type"],
  usageStart: ["lineItem/UsageStartDate", "line_item_usage_start_date"],
  usageEnd: ["lineItem/UsageEndDate", "line_item_usage_end_date"],
  productCode: ["lineItem/ProductCode", "line_item_product_code"],
  usageType: ["lineItem/UsageType", "line_item_usage_type"],
  availabilityZone: ["lineItem/AvailabilityZone", "line_item_availability_zone"],
  usageAmount: ["lineItem/UsageAmount", "line_item_usage_amount"],
  unblendedCost: ["lineItem/UnblendedCost", "line_item_unblended_cost"],
  currency: ["lineItem/CurrencyCode", "line_item_currency_code"],
  usageAccountId: ["lineItem/UsageAccountId", "line_item_usage_account_id"],
  payerAccountId: ["bill/PayerAccountId", "bill_payer_account_id"],
  billingEntity: ["bill/BillingEntity", "bill_billing_entity"],
  resourceId: ["lineItem/ResourceId", "line_item_resource_id"],
  pricingUnit: ["pricing/unit", "pricing_unit"],
  regionCode: ["product/regionCode", "product_region_code"],
  region: ["product/region", "product_region"],
  location: ["product/location", "product_location"],
  instanceType: ["product/instanceType", "product_instance_type"],
  vcpu: ["product/vcpu", "product_vcpu"],
  memory: ["product/memory", "product_memory"],
  productMap: ["product"],
  resourceTagsMap: ["resource_tags"],
  lineItemId: ["identity/LineItemId", "identity_line_item_id"],
  timeInterval: ["identity/TimeInterval", "identity_time_interval"],
} as const satisfies ColumnAliases<string>;
export type CurField = keyof typeof curColumns;

export const curRequiredFields: readonly CurField[] = ["lineItemType", "usageStart", "productCode", "usageType", "usageAmount"];

const usageLineItemTypes = new Set(["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"]);
const moneyOnlyLineItemTypes: Record<string, UnsupportedReason> = {
  Tax: "tax",
  Credit: "credit",
  Refund: "refund",
  Fee: "fee",
  RIFee: "reservation-fee",
  SavingsPlanRecurringFee: "savings-plan-fee",
  SavingsPlanUpfrontFee: "savings-plan-fee",
  SavingsPlanNegation: "savings-plan-negation",
  BundledDiscount: "discount",
  EdpDiscount: "discount",
  PrivateRateDiscount: "discount",
  SppDiscount: "discount",
  DistributorDiscount: "discount",
  Discount: "discount",
};

/** `8 GiB`, `0.5 GiB`, `3,904 GiB`; undefined for `NA` and empty. */
export function memoryGbOf(text: string): number | undefined {
  const match = /^([\d.,]+)\s*(GiB|GB|TiB|TB|MiB|MB)?/i.exec(text.trim());
  if (!match?.[1]) return undefined;
  const value = Number(match[1].replace(/,/g, ""));
  if (!Number.isFinite(value)) return undefined;
  const unit = (match[2] ?? "GiB").toLowerCase();
  if (unit === "tib" || unit === "tb") return value * 1024;
  if (unit === "mib" || unit === "mb") return value / 1024;
  return value;
}

function tagColumnsOf(header: readonly string[]): { column: string; key: string }[] {
  const tags: { column: string; key: string }[] = [];
  for (const column of header) {
    if (column.startsWith("resourceTags/")) tags.push({ column, key: column.slice("resourceTags/".length) });
    else if (column.startsWith("resource_tags_")) tags.push({ column, key: column.slice("resource_tags_".length) });
  }
  return tags;
}

const memoryCache = new Map<string, number | undefined>();
function cachedMemoryGbOf(text: string): number | undefined {
  if (text === "") return undefined;
  if (memoryCache.has(text)) return memoryCache.get(text);
  const value = memoryGbOf(text);
  if (memoryCache.size < 10_000) memoryCache.set(text, value);
  return value;
}

const MISSING = "\u0000missing";

/** No instance has this many vCPUs: a bigger (or infinite) product/vcpu cell is read as unknown. */
const MAX_VCPUS = 100_000;

export function createCurClassifier(header: readonly string[], options: ClassifyOptions = {}): RowClassifier {
  const c = resolveColumns(header, curColumns);
  const missing = missingColumns(c, curColumns, curRequiredFields);
  if (missing.length > 0) throw new Error(`not an AWS CUR header: missing ${missing.join(", ")}`);
  const includeTags = options.includeTags ?? true;
  const includeResourceIds = options.includeResourceIds ?? true;
  const window = options.timeWindow ?? usageTimeWindow();
  const tagColumns = includeTags ? tagColumnsOf(header) : [];
  const isCur2 = c.productMap !== undefined || header.includes("bill_payer_account_name");
  // The line id columns are for duplicate detection (lineIdColumns below), not for classifying.
  const used = usedColumnsOf(c, tagColumns.map((tag) => tag.column)).filter(
    (column) => (includeResourceIds || column !== c.resourceId) && column !== c.lineItemId && column !== c.timeInterval,
  );

  const lineItemTypeColumn = c.lineItemType ?? MISSING;
  const usageStartColumn = c.usageStart ?? MISSING;
  const usageEndColumn = c.usageEnd ?? MISSING;
  const productCodeColumn = c.productCode ?? MISSING;
  const usageTypeColumn = c.usageType ?? MISSING;
  const usageAmountColumn = c.usageAmount ?? MISSING;
  const costColumn = c.unblendedCost ?? MISSING;
  const currencyColumn = c.currency ?? MISSING;
  const billingEntityColumn = c.billingEntity ?? MISSING;
  const vcpuColumn = c.vcpu ?? MISSING;
  const memoryColumn = c.memory ?? MISSING;
  const instanceTypeColumn = c.instanceType ?? MISSING;
  const pricingUnitColumn = c.pricingUnit ?? MISSING;
  const usageAccountColumn = c.usageAccountId ?? MISSING;
  const payerAccountColumn = c.payerAccountId ?? MISSING;
  const resourceIdColumn = c.resourceId ?? MISSING;
  const regionCodeColumn = c.regionCode ?? MISSING;
  const regionColumn = c.region ?? MISSING;
  const zoneColumn = c.availabilityZone ?? MISSING;
  const locationColumn = c.location ?? MISSING;
  const source = options.source;

  function regionOf(row: BillingRow, usageType: string): string {
    const code = textOf(row[regionCodeColumn]);
    if (code !== "") return code;
    const region = textOf(row[regionColumn]);
    if (isAwsRegionCode(region)) return region;
    const fromPrefix = splitAwsUsageType(usageType).region;
    if (fromPrefix) return fromPrefix;
    const zone = textOf(row[zoneColumn]);
    if (/^[a-z]{2}(?:-gov)?-[a-z]+-\d[a-z]$/.test(zone)) return zone.slice(0, -1);
    const fromLocation = awsRegionFromLongName(textOf(row[locationColumn]));
    if (fromLocation) return fromLocation;
    return region; // "global" or ""
  }

  /** Decision cache: usage type → entries told apart by the other inputs (string instances repeat, so this is cheap). */
  type DecisionEntry = {
    productCode: string;
    pricingUnit: string;
    instanceType: string;
    vcpus: number | undefined;
    memoryGb: number | undefined;
    monthHours: number;
    decision: AwsUsageDecision;
  };
  const decisions = new Map<string, DecisionEntry[]>();
  let cachedDecisions = 0;

  function tagsOf(row: BillingRow): Record<string, string> | undefined {
    let tags: Record<string, string> | undefined;
    for (const { column, key } of tagColumns) {
      const value = textOf(row[column]);
      if (value !== "") (tags ??= {})[key] = value;
    }
    if (c.resourceTagsMap) {
      const map = stringMapOf(row[c.resourceTagsMap]);
      if (map) for (const [key, value] of Object.entries(map)) if (value !== "") (tags ??= {})[key] = value;
    }
    return tags;
  }

  function decide(row: BillingRow, usageType: string, productCode: string, startMs: number): AwsUsageDecision {
    const vcpuCell = Number(textOf(row[vcpuColumn]));
    let vcpus = vcpuCell > 0 && vcpuCell < MAX_VCPUS ? vcpuCell : undefined; // "NA", "" (and "Infinity") mean unknown
    let memoryGb = cachedMemoryGbOf(textOf(row[memoryColumn]));
    if (isCur2 && vcpus === undefined && c.productMap) {
      const product = jsonObjectOf(row[c.productMap]);
      if (product) {
        const fromMap = Number(textOf(product["vcpu"]));
        if (fromMap > 0 && fromMap < MAX_VCPUS) vcpus = fromMap;
        memoryGb ??= memoryGbOf(textOf(product["memory"]));
      }
    }
    const instanceType = textOf(row[instanceTypeColumn]);
    const pricingUnit = textOf(row[pricingUnitColumn]);
    const monthHours = hoursInMonthOf(startMs);
    let bucket = decisions.get(usageType);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (
          entry.productCode === productCode &&
          entry.pricingUnit === pricingUnit &&
          entry.instanceType === instanceType &&
          entry.vcpus === vcpus &&
          entry.memoryGb === memoryGb &&
          entry.monthHours === monthHours
        ) {
          return entry.decision;
        }
      }
    }
    const facts: AwsUsageFacts = { usageType, productCode, pricingUnit, amount: 1, periodStartMs: startMs };
    if (instanceType !== "") facts.instanceType = instanceType;
    if (vcpus !== undefined) facts.vcpus = vcpus;
    if (memoryGb !== undefined) facts.memoryGb = memoryGb;
    const decision = decideAwsUsage(facts, options);
    if (cachedDecisions >= MAX_CACHED_DECISIONS) {
      decisions.clear();
      cachedDecisions = 0;
      bucket = undefined;
    }
    if (bucket === undefined) {
      bucket = [];
      decisions.set(usageType, bucket);
    }
    bucket.push({ productCode, pricingUnit, instanceType, vcpus, memoryGb, monthHours, decision });
    cachedDecisions++;
    return decision;
  }

  /** Account, time, service and region of a line (usage or money-only). Throws RowValueError. */
  function lineBaseOf(
    row: BillingRow,
    lineNumber: number | undefined,
    productCode: string,
    usageType: string,
    costAmount: number,
    currency: string,
    startMs = requiredTimestampMs(row[usageStartColumn], "lineItem/UsageStartDate", window),
  ): BuiltLineBase {
    const endMs = optionalTimestampMs(row[usageEndColumn], "lineItem/UsageEndDate", window);
    const usageAccount = textOf(row[usageAccountColumn]);
    const payerAccount = textOf(row[payerAccountColumn]);
    if (usageAccount.trim() === "" && payerAccount.trim() === "") throw new RowValueError("lineItem/UsageAccountId is empty");
    const account = canonicalAccountId("aws", usageAccount.trim() === "" ? payerAccount : usageAccount);
    const payer = optionalBillingAccountId("aws", payerAccount);
    const base: LineBase = {
      provider: "aws",
      accountId: account.id,
      periodStart: isoTextOf(startMs),
      periodStartMs: startMs,
      periodHours: periodHoursBetween(startMs, endMs, 1),
      service: canonicalService("aws", productCode) || "unknown",
      region: regionOf(row, usageType),
      costAmount,
    };
    return completeLineBase(
      base,
      {
        billingAccountId: payer?.id,
        usageType,
        currency,
        resourceId: includeResourceIds ? textOf(row[resourceIdColumn]) : undefined,
        tags: includeTags ? tagsOf(row) : undefined,
        source,
        lineNumber,
      },
      account.warning,
      payer?.warning,
    );
  }

  type MoneyLine = {
    row: BillingRow;
    lineNumber: number | undefined;
    productCode: string;
    usageType: string;
    costAmount: number;
    currency: string;
  };

  /** A line that carries no energy, with its cost-only record. */
  function unsupported(line: MoneyLine, reason: UnsupportedReason, detail: string): ClassifyOutcome {
    const { row, lineNumber, productCode, usageType, costAmount, currency } = line;
    return unsupportedOutcome(
      reason,
      detail,
      costAmount,
      currency,
      attemptLineBase(() => lineBaseOf(row, lineNumber, productCode, usageType, costAmount, currency)),
    );
  }

  function classify(row: BillingRow, lineNumber?: number): ClassifyOutcome {
    try {
      const lineItemType = textOf(row[lineItemTypeColumn]);
      const productCode = textOf(row[productCodeColumn]);
      const costCell = row[costColumn];
      const costAmount = optionalNumberOf(costCell, "lineItem/UnblendedCost", MAX_COST_MAGNITUDE) ?? 0;
      const currency = textOf(row[currencyColumn]);
      const usageTypeText = textOf(row[usageTypeColumn]);
      const line: MoneyLine = { row, lineNumber, productCode, usageType: usageTypeText, costAmount, currency };
      if (!usageLineItemTypes.has(lineItemType)) {
        if (lineItemType === "") throw new RowValueError("lineItem/LineItemType is empty");
        const reason = moneyOnlyLineItemTypes[lineItemType];
        if (!reason) throw new RowValueError(`unknown lineItem/LineItemType "${lineItemType}"`);
        const detail = productCode === "" ? lineItemType : `${lineItemType} ${productCode}`;
        return unsupported(line, reason === "fee" && /Support/i.test(productCode) ? "support" : reason, detail);
      }
      if (productCode.includes("Support")) return unsupported(line, "support", productCode);
      if (row[billingEntityColumn] === "AWS Marketplace") return unsupported(line, "marketplace", productCode);

      const usageType = usageTypeText;
      if (usageType === "") throw new RowValueError("lineItem/UsageType is empty");
      const amountCell = row[usageAmountColumn];
      const amount = optionalNumberOf(amountCell, "lineItem/UsageAmount");
      if (amount === undefined) throw new RowValueError("lineItem/UsageAmount is empty");
      const startMs = requiredTimestampMs(row[usageStartColumn], "lineItem/UsageStartDate", window);

      // Decisions are made for amount 1 and scaled, so a negative usage amount (AWS's correction of
      // earlier usage) yields the same records with negative quantities: they net against the usage
      // they correct (the estimator is linear in quantity; usageRecordSchema allows negatives).
      const decision = decide(row, usageType, productCode, startMs);
      if (decision.status === "unsupported") return unsupported(line, decision.reason, decision.detail);

      const { base, warning } = lineBaseOf(row, lineNumber, productCode, usageType, costAmount, currency, startMs);
      const outcome: ClassifiedUsage = { status: "usage", records: recordsOf(base, decision.measures, amount) };
      if (warning !== undefined) outcome.warning = warning;
      return outcome;
    } catch (error) {
      if (error instanceof RowValueError) return rowErrorOf(error);
      throw error;
    }
  }

  const numericColumns = [c.usageAmount, c.unblendedCost].filter((column): column is string => column !== undefined);
  const lineIdColumns = c.lineItemId === undefined ? undefined : [c.lineItemId, ...(c.timeInterval === undefined ? [] : [c.timeInterval])];
  return lineIdColumns
    ? { format: isCur2 ? "cur2" : "cur", usedColumns: used, numericColumns, classify, lineIdColumns }
    : { format: isCur2 ? "cur2" : "cur", usedColumns: used, numericColumns, classify };
}
